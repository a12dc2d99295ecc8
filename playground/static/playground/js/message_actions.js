/**
 * Each message's actions (the toolbar of templates/playground/_message.html): copy its raw text (a reply's
 * Markdown), regenerate the last reply, page through its alternatives ("‹ 2/3 ›", choosing one on the server),
 * edit a message of yours and send it again, delete, and inspect the exchange a reply came from.
 */
import { setBadges } from "./badges.js";
import { copyText, fromTemplate, getJson, postJson, urlWith } from "./dom.js";
import { t } from "./i18n.js";
import { markdownOf } from "./markdown.js";
import { markStopped, setModel, setText } from "./transcript.js";

const COPIED_FOR_MS = 2000;

function messages(section) {
  return Array.from(section.querySelectorAll(".pg-msg"));
}

function lastOf(section, role) {
  const list = messages(section).filter((node) => node.getAttribute("data-role") === role);
  return list.length ? list[list.length - 1] : null;
}

/** A reply's element filled from a stored message (the API's JSON), as the server would render it. */
function showStored(element, message) {
  element.setAttribute("data-id", String(message.id));
  setText(element, message.content || "");
  const model = element.querySelector(".pg-msg-model");
  if (model) model.hidden = true;
  setModel(element, message.model);
  element.classList.remove("is-stopped", "is-failed", "is-fallback");
  const stopped = element.querySelector(".pg-msg-stopped");
  if (stopped) stopped.hidden = true;
  if (message.stopped) markStopped(element);
  ["pg-msg-finish", "pg-msg-note"].forEach((name) => {
    const node = element.querySelector("." + name);
    if (node) node.hidden = true;
  });
  const thinking = element.querySelector(".pg-thinking");
  if (thinking) thinking.hidden = true;
  setBadges(element, [message.call || {}], !!message.stopped);
}

function flash(button, text) {
  const label = button.getAttribute("data-label") || button.textContent;
  button.setAttribute("data-label", label);
  button.textContent = text;
  clearTimeout(button.pgTimer);
  button.pgTimer = setTimeout(() => {
    button.textContent = label;
  }, COPIED_FOR_MS);
}

export function setupMessageActions({ section, form, urls, turns, composer, conversations, inspector }) {
  if (!section) return { refresh() {} };
  let alternatives = []; // the stored replies to the last user message, oldest first

  function canAct() {
    return !turns.isBusy();
  }

  /** Only the last reply regenerates; a reply not stored yet (no id) has no actions that need one. */
  function syncButtons() {
    const last = lastOf(section, "assistant");
    const lastUser = lastOf(section, "user");
    messages(section).forEach((node) => {
      const regenerate = node.querySelector('[data-action="regenerate"]');
      if (regenerate) regenerate.hidden = node !== last || !lastUser;
      const pager = node.querySelector(".pg-pager");
      if (pager && node !== last) pager.hidden = true;
    });
    if (!last) return;
    const pager = last.querySelector(".pg-pager");
    const index = alternatives.findIndex((m) => String(m.id) === last.getAttribute("data-id"));
    if (!pager) return;
    pager.hidden = alternatives.length < 2 || index === -1;
    if (pager.hidden) return;
    pager.querySelector(".pg-pager-label").textContent = t("replyOf", { n: index + 1, total: alternatives.length });
    pager.querySelector('[data-action="prev"]').disabled = index === 0;
    pager.querySelector('[data-action="next"]').disabled = index === alternatives.length - 1;
  }

  /** Learns the last user message's stored replies (for the pager) and the ids of messages shown without one. */
  async function refresh() {
    syncButtons();
    const id = conversations.current();
    if (!id || !urls.conversation) return syncButtons();
    const { ok, payload } = await getJson(urlWith(urls.conversation, id)).catch(() => ({ ok: false }));
    if (!ok || !payload || !Array.isArray(payload.messages)) return syncButtons();
    const stored = payload.messages;
    const lastUser = stored.filter((m) => m.role === "user").pop();
    alternatives = lastUser ? stored.filter((m) => m.role === "assistant" && m.id > lastUser.id) : [];
    const shown = alternatives.find((m) => !m.superseded);
    const userNode = lastOf(section, "user");
    if (userNode && lastUser && !userNode.hasAttribute("data-id")) userNode.setAttribute("data-id", String(lastUser.id));
    let reply = lastOf(section, "assistant");
    if (reply && userNode && reply.compareDocumentPosition(userNode) & Node.DOCUMENT_POSITION_FOLLOWING) reply = null;
    if (shown && !reply && userNode) {
      reply = fromTemplate("pg-message-template-assistant");
      userNode.after(reply);
      showStored(reply, shown);
    } else if (shown && reply && !reply.hasAttribute("data-id")) {
      reply.setAttribute("data-id", String(shown.id));
    }
    syncButtons();
  }

  async function choose(reply, step) {
    const index = alternatives.findIndex((m) => String(m.id) === reply.getAttribute("data-id"));
    const target = alternatives[index + step];
    if (!target || !canAct()) return;
    const { ok, payload } = await postJson(urlWith(urls.messageChoose, target.id), null, composer.csrfToken());
    if (!ok || !payload || !payload.message) return;
    alternatives = alternatives.map((m) => ({ ...m, superseded: m.id !== target.id }));
    showStored(reply, payload.message);
    syncButtons();
  }

  function copy(node, button) {
    const body = node.querySelector(".pg-msg-body");
    const text = body.hasAttribute("data-markdown") ? markdownOf(body) || body.textContent : body.textContent;
    copyText(text).then((ok) => flash(button, ok ? t("copied") : t("copyManual")));
  }

  /** Answers the last user message again; the reply shown until now becomes an alternative. */
  function regenerate(reply) {
    const user = lastOf(section, "user");
    const id = conversations.current();
    if (!user || !id || !canAct()) return;
    reply.remove();
    const url = urlWith(urls.regenerate, id) + "?stream=1";
    turns.run(url, new FormData(form), user.querySelector(".pg-msg-body").textContent, { user, replaced: reply });
  }

  function startEdit(user) {
    const box = user.querySelector(".pg-msg-edit");
    const text = box.querySelector("textarea");
    text.value = user.querySelector(".pg-msg-body").textContent;
    box.hidden = false;
    user.classList.add("is-editing");
    text.focus();
  }

  function endEdit(user) {
    user.querySelector(".pg-msg-edit").hidden = true;
    user.classList.remove("is-editing");
  }

  /** Sends the edited text from this message on: the messages after it go, a new reply streams in. */
  function sendEdit(user) {
    const text = user.querySelector(".pg-msg-edit textarea").value;
    const id = user.getAttribute("data-id");
    if (!text.trim() || !id || !canAct()) return;
    endEdit(user);
    while (user.nextElementSibling) user.nextElementSibling.remove();
    setText(user, text);
    const data = new FormData(form);
    data.set("message", text);
    data.delete("image");
    turns.run(urlWith(urls.messageEdit, id) + "?stream=1", data, text, { user });
  }

  async function remove(node) {
    const id = node.getAttribute("data-id");
    if (!id || !canAct() || !window.confirm(t("confirmDeleteMessage"))) return;
    const { ok, payload } = await postJson(urlWith(urls.messageDelete, id), null, composer.csrfToken());
    if (!ok || !payload) return;
    (payload.deleted || []).forEach((gone) => {
      const match = section.querySelector('.pg-msg[data-id="' + String(gone) + '"]');
      if (match) match.remove();
    });
    await refresh();
  }

  const ACTIONS = {
    copy,
    regenerate: (node) => regenerate(node),
    prev: (node) => choose(node, -1),
    next: (node) => choose(node, 1),
    edit: (node) => startEdit(node),
    "edit-cancel": (node) => endEdit(node),
    "edit-send": (node) => sendEdit(node),
    delete: (node) => remove(node),
    inspect: (node) => inspector.open(node.getAttribute("data-id")),
  };

  section.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    const node = button && button.closest(".pg-msg");
    if (!node || !Object.prototype.hasOwnProperty.call(ACTIONS, button.getAttribute("data-action"))) return;
    event.preventDefault();
    ACTIONS[button.getAttribute("data-action")](node, button);
  });
  // In the edit box, Enter sends and Escape cancels, as in the composer.
  section.addEventListener("keydown", (event) => {
    const box = event.target.closest(".pg-msg-edit");
    if (!box) return;
    const node = box.closest(".pg-msg");
    if (event.key === "Escape") {
      event.stopPropagation();
      endEdit(node);
    } else if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      sendEdit(node);
    }
  });

  return { refresh, syncButtons };
}
