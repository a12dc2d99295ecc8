/**
 * The playground's scripts, as ES modules without a build step: this one wires them together.
 *
 * Every user-visible string comes from the page (the pg-i18n block, or the server's markup in <template>
 * elements). Text from the model or the user reaches the DOM only through textContent or renderMarkdown(),
 * which shows raw HTML as text and sanitizes what it renders. Nothing here needs an inline script, handler or
 * style attribute (the site's CSP).
 */
import { createComposer } from "./composer.js";
import { setupConversationActions } from "./conversation_actions.js";
import { createConversations } from "./conversations.js";
import { createInspector, setupCode } from "./dialogs.js";
import { readJson } from "./dom.js";
import { setupDrawer } from "./drawer.js";
import { localizeTimes } from "./i18n.js";
import { setupLanguage } from "./language.js";
import { setupMessageActions } from "./message_actions.js";
import { setupModels } from "./models.js";
import { createOutput } from "./output.js";
import { setupSettings } from "./settings.js";
import { createTranscript } from "./transcript.js";
import { createTurns } from "./turn.js";

function setupPlayground(form) {
  const urls = readJson("pg-urls") || {};
  const output = createOutput();
  const transcript = createTranscript(document.getElementById("pg-transcript"));
  const list = document.getElementById("pg-conversations");
  let listActions = null;
  const conversations = createConversations(form, list, (item) => listActions && listActions.fillExports(item));
  const composer = createComposer(form, {
    onSend: () => turns.send(),
    onStop: () => turns.stop(),
    onState: output.setBusy,
  });
  const turns = createTurns({
    form,
    streamUrl: urls.stream,
    composer,
    transcript,
    output,
    conversations,
    onEnd: (turn, resend) => {
      // A regeneration the server refused puts the reply it was to replace back.
      if (!turn && resend && resend.replaced) resend.user.after(resend.replaced);
      actions.refresh();
    },
  });
  const actions = setupMessageActions({
    section: transcript.section,
    form,
    urls,
    turns,
    composer,
    conversations,
    inspector: createInspector(urls.messageExchange),
  });
  listActions = setupConversationActions({ list, urls, csrfToken: composer.csrfToken, currentId: conversations.current });
  setupCode(form, urls.code, composer.csrfToken);
  setupModels(form, urls);

  localizeTimes(list);
  transcript.renderStored();
  actions.refresh();
  composer.autosize();
  composer.setState(form.getAttribute("data-state") || "idle");
}

setupLanguage();
setupDrawer();
setupSettings();
const form = document.getElementById("pg-form");
if (form) setupPlayground(form);
