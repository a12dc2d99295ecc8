/**
 * The playground's scripts, as ES modules without a build step: this one wires them together.
 *
 * Every user-visible string comes from the page (the pg-i18n block, or the server's markup in <template>
 * elements). Text from the model or the user reaches the DOM only through textContent or renderMarkdown(),
 * which shows raw HTML as text and sanitizes what it renders. Nothing here needs an inline script, handler or
 * style attribute (the site's CSP).
 */
import { createComposer } from "./composer.js";
import { createConversations } from "./conversations.js";
import { readJson } from "./dom.js";
import { setupDrawer } from "./drawer.js";
import { localizeTimes } from "./i18n.js";
import { setupLanguage } from "./language.js";
import { setupModels } from "./models.js";
import { createOutput } from "./output.js";
import { createTranscript } from "./transcript.js";
import { createTurns } from "./turn.js";

function setupPlayground(form) {
  const urls = readJson("pg-urls") || {};
  const output = createOutput();
  const transcript = createTranscript(document.getElementById("pg-transcript"));
  const list = document.getElementById("pg-conversations");
  const conversations = createConversations(form, list);
  const composer = createComposer(form, { onSend: () => turns.send(), onState: output.setBusy });
  const turns = createTurns({ form, streamUrl: urls.stream, composer, transcript, output, conversations });
  setupModels(form, urls.models);

  localizeTimes(list);
  transcript.renderStored();
  composer.autosize();
  composer.setState(form.getAttribute("data-state") || "idle");
}

setupLanguage();
setupDrawer();
const form = document.getElementById("pg-form");
if (form) setupPlayground(form);
