/**
 * The conversation list and the page's address. When a turn names its conversation, the address becomes that
 * conversation's (so a reload keeps it) and the conversation moves to the top of the list, which is newest
 * first; a new one joins it as a clone of the server's <template id="pg-conversation-template">
 * (templates/playground/_conversation.html).
 */
import { dropEmptyNote, fromTemplate } from "./dom.js";
import { setTime, t } from "./i18n.js";

const ZERO_ID = "00000000-0000-0000-0000-000000000000";
const TITLE_LENGTH = 80;

/** A title from a message, the way the server titles a new conversation until it has a better one. */
function shortTitle(text) {
  const flat = String(text || "").replace(/\s+/g, " ").trim();
  return flat.length > TITLE_LENGTH ? flat.slice(0, TITLE_LENGTH - 1) + "…" : flat;
}

function markCurrent(item, current) {
  const link = item.querySelector("a");
  item.classList.toggle("is-current", current);
  if (link && current) link.setAttribute("aria-current", "page");
  else if (link) link.removeAttribute("aria-current");
}

/** The chat's heading names the new conversation as its list entry does. */
function setHeading(item) {
  const heading = document.getElementById("pg-chat-title");
  const title = item.querySelector(".pg-conv-title");
  if (heading && title) heading.textContent = title.textContent;
}

/** The list <ul> and the form's hidden ``conversation`` field, which says which conversation a turn continues. */
export function createConversations(form, list, onNew) {
  const field = form.elements.namedItem("conversation");

  function urlFor(id) {
    // The server wrote the URL of a conversation whose id is all zeros (data-conversation-url).
    const pattern = form.getAttribute("data-conversation-url") || "";
    if (pattern.indexOf(ZERO_ID) !== -1) return pattern.replace(ZERO_ID, encodeURIComponent(id));
    return "/playground/c/" + encodeURIComponent(id) + "/";
  }

  /** The list entry of conversation ``id``, made current and moved to the top (added when it is new). */
  function entry(id, url, title) {
    if (!list) return null;
    let item = null;
    list.querySelectorAll("li[data-id]").forEach((li) => {
      const current = li.getAttribute("data-id") === id;
      if (current) item = li;
      markCurrent(li, current);
    });
    if (!item) {
      dropEmptyNote(list);
      item = fromTemplate("pg-conversation-template");
      item.setAttribute("data-id", id);
      item.setAttribute("data-new", "");
      item.querySelector("a").href = url;
      item.querySelector(".pg-conv-title").textContent = shortTitle(title) || t("untitled");
      setHeading(item);
      if (onNew) onNew(item);
    }
    const time = item.querySelector("time");
    if (time) setTime(time, new Date());
    list.insertBefore(item, list.firstChild);
    return item;
  }

  /** The conversation ``id`` that ``turn`` belongs to, as its events name it (start, done, error). */
  function show(id, turn) {
    if (!id) return;
    id = String(id);
    if (field) field.value = id;
    const url = urlFor(id);
    if (window.location.pathname !== url && window.history && window.history.replaceState) {
      window.history.replaceState({ conversation: id }, "", url);
    }
    document.querySelectorAll('form.pg-language input[name="next"]').forEach((input) => {
      input.value = url;
    });
    if (turn.conversation !== id || !turn.sidebarDone) {
      turn.conversation = id;
      turn.sidebarDone = true;
      turn.sidebar = entry(id, url, turn.message);
    }
  }

  /** A new entry's title becomes the message as the server kept it (variables filled in). */
  function retitle(item, sent) {
    if (!item || !item.hasAttribute("data-new")) return;
    const title = item.querySelector(".pg-conv-title");
    if (title) title.textContent = shortTitle(sent) || t("untitled");
    setHeading(item);
    item.removeAttribute("data-new");
  }

  return { current: () => (field ? field.value : ""), show, retitle };
}
