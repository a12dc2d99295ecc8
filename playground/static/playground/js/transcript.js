/**
 * The transcript. Stored messages come rendered by the server; the messages of a live turn are clones of the
 * server's <template id="pg-message-template-ROLE"> (templates/playground/_message.html), so both have the same
 * markup. The functions here only fill that markup in: text through textContent, replies through
 * renderMarkdown() (markdown.js: raw HTML off, its output sanitized by DOMPurify).
 */
import { setBadges } from "./badges.js";
import { dropEmptyNote, fromTemplate, readJson } from "./dom.js";
import { formatNumber, localizeTimes, setTime, t } from "./i18n.js";
import { renderMarkdown } from "./markdown.js";

/** Within this many pixels of the bottom, the reader follows the reply: new text keeps the bottom in view. */
const FOLLOW_DISTANCE = 96;

function nearBottom(node) {
  return node.scrollHeight - node.scrollTop - node.clientHeight < FOLLOW_DISTANCE;
}

/**
 * The transcript <section>: appends messages and keeps the newest in view while the reader follows, that is
 * until they scroll up, and again once they scroll back to the bottom.
 */
export function createTranscript(section) {
  const inner = section ? section.querySelector(".pg-transcript-inner") || section : null;
  let pinned = true;
  let moving = false; // the next scroll event is ours, not the reader's

  if (section) {
    section.addEventListener("scroll", () => {
      if (moving) moving = false;
      else pinned = nearBottom(section);
    });
  }

  function scroll(force) {
    if (!section || !(force || pinned)) return;
    pinned = true;
    if (section.scrollHeight - section.scrollTop - section.clientHeight < 1) return;
    moving = true;
    section.scrollTop = section.scrollHeight;
  }

  /** A new message of ``role`` ("user" or "assistant"), written now, at the end of the transcript. */
  function append(role, text) {
    const message = fromTemplate("pg-message-template-" + role);
    setTime(message.querySelector("time"), new Date());
    setText(message, text);
    if (section) {
      dropEmptyNote(section);
      inner.appendChild(message);
      scroll(true);
    }
    return message;
  }

  /** First paint: the server's times in the page's format, its replies rendered as Markdown, with their badges. */
  function renderStored() {
    if (!section) return;
    localizeTimes(section);
    section.querySelectorAll("[data-markdown]").forEach((body) => {
      renderMarkdown(body, body.textContent);
    });
    const calls = readJson("pg-calls") || {};
    section.querySelectorAll(".pg-msg-assistant[data-id]").forEach((message) => {
      const call = calls[message.getAttribute("data-id")];
      if (call) setBadges(message, [call], false);
    });
    scroll(true);
  }

  return { append, scroll, renderStored, following: () => !!section && pinned, section };
}

/** A message's text: Markdown where its body says so (data-markdown, the replies), plain text elsewhere. */
export function setText(message, text) {
  const body = message.querySelector(".pg-msg-body");
  if (body.hasAttribute("data-markdown")) renderMarkdown(body, text);
  // Line ends as the HTML parser leaves them in the server's messages (a form posts a textarea's as "\r\n").
  else body.textContent = String(text).replace(/\r\n?/g, "\n");
}

/**
 * A reply's thinking (a reasoning model's, as it streams): shown as plain text in its collapsible block, which
 * stays hidden while there is none. ``open``, when given, opens or folds the block.
 */
export function setThinking(message, text, open, seconds) {
  const block = message.querySelector(".pg-thinking");
  if (!block) return;
  block.querySelector(".pg-thinking-body").textContent = text || "";
  block.hidden = !text;
  if (typeof open === "boolean") block.open = open;
  // How long it thought, once the answer began (or the reply ended): "Thought for 3.2 s".
  const time = block.querySelector(".pg-thinking-time");
  if (time && typeof seconds === "number") time.textContent = t("thoughtFor", { seconds: formatNumber(seconds) });
}

/** The note under a reply that did not end normally (finish.js words it); an empty note hides. */
export function setFinish(message, note) {
  const slot = message.querySelector(".pg-msg-finish");
  if (!slot) return;
  slot.textContent = note || "";
  slot.hidden = !note;
}

/** A reply still waiting for its first words shows a pulse (CSS: .is-pending on an empty body). */
export function setPending(message, pending) {
  message.classList.toggle("is-pending", pending);
}

/** Shows the model that wrote a message; the first one named stays. */
export function setModel(message, model) {
  const slot = message.querySelector(".pg-msg-model");
  if (!model || !slot || !slot.hidden) return;
  slot.textContent = model;
  slot.hidden = false;
}

export function markFailed(message, error) {
  message.classList.add("is-failed");
  const note = message.querySelector(".pg-msg-error");
  note.querySelector(".pg-msg-error-text").textContent = error;
  note.hidden = false;
}

/** A reply that is the error mode's fallback output, not the model's. */
export function markFallback(message) {
  message.classList.add("is-fallback");
  const note = message.querySelector(".pg-msg-note");
  if (note) note.hidden = false;
}

/** A reply its reader stopped: the part received, with the template's "stopped" note. */
export function markStopped(message) {
  message.classList.add("is-stopped");
  const note = message.querySelector(".pg-msg-stopped");
  if (note) note.hidden = false;
}
