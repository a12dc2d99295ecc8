/**
 * The conversation list's own actions: each entry's menu renames it (inline), exports it (links) or deletes it
 * (after a confirm), and the search box filters the list as one types (api/conversations/?q=), falling back to
 * its GET form without scripts.
 */
import { fromTemplate, getJson, postJson, urlWith } from "./dom.js";
import { localizeTimes, setTime, t } from "./i18n.js";

const SEARCH_DELAY_MS = 250;

function closeMenus(list, except) {
  list.querySelectorAll("details.pg-conv-menu[open]").forEach((menu) => {
    if (menu !== except) menu.open = false;
  });
}

export function setupConversationActions({ list, urls, csrfToken, currentId }) {
  if (!list) return { fillExports() {} };

  /** A new entry (cloned from the template) learns its export links once it has an id. */
  function fillExports(item) {
    const id = item.getAttribute("data-id");
    const json = item.querySelector('[data-export="json"]');
    const md = item.querySelector('[data-export="md"]');
    if (json && urls.exportJson) json.href = urlWith(urls.exportJson, id);
    if (md && urls.exportMarkdown) md.href = urlWith(urls.exportMarkdown, id);
  }

  function startRename(item) {
    const form = item.querySelector(".pg-conv-rename");
    const input = form.querySelector("input");
    input.value = item.querySelector(".pg-conv-title").textContent.trim();
    form.hidden = false;
    item.classList.add("is-renaming");
    input.focus();
    input.select();
  }

  function endRename(item) {
    item.querySelector(".pg-conv-rename").hidden = true;
    item.classList.remove("is-renaming");
  }

  async function rename(item) {
    const input = item.querySelector(".pg-conv-rename input");
    const title = input.value.trim();
    if (!title) return;
    const data = new FormData();
    data.set("title", title);
    const { ok, payload } = await postJson(urlWith(urls.rename, item.getAttribute("data-id")), data, csrfToken());
    if (!ok || !payload || !payload.conversation) return;
    item.querySelector(".pg-conv-title").textContent = payload.conversation.title;
    item.removeAttribute("data-new");
    if (item.classList.contains("is-current")) {
      const heading = document.getElementById("pg-chat-title");
      if (heading) heading.textContent = payload.conversation.title;
    }
    endRename(item);
  }

  async function remove(item) {
    if (!window.confirm(t("confirmDeleteConversation"))) return;
    const { ok } = await postJson(urlWith(urls.delete, item.getAttribute("data-id")), null, csrfToken());
    if (!ok) return;
    // The conversation on the page is gone: start a new one.
    if (item.classList.contains("is-current") || item.getAttribute("data-id") === currentId()) window.location.assign(urls.new);
    else item.remove();
  }

  list.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    const item = button && button.closest(".pg-conv");
    if (!item) return;
    const action = button.getAttribute("data-action");
    closeMenus(list);
    if (action === "rename") startRename(item);
    else if (action === "rename-cancel") endRename(item);
    else if (action === "delete") remove(item);
  });
  list.addEventListener("submit", (event) => {
    const item = event.target.closest(".pg-conv");
    if (!item) return;
    event.preventDefault();
    rename(item);
  });
  list.addEventListener("keydown", (event) => {
    const item = event.target.closest(".pg-conv.is-renaming");
    if (item && event.key === "Escape") {
      event.stopPropagation();
      endRename(item);
    }
  });
  list.addEventListener("toggle", (event) => closeMenus(list, event.target.open ? event.target : null), true);
  document.addEventListener("click", (event) => {
    if (!event.target.closest(".pg-conv-menu")) closeMenus(list);
  });

  setupSearch(list, urls, currentId);
  return { fillExports };
}

/** The list, rebuilt from the search's answer with the entry template. */
function showFound(list, found, currentId, empty) {
  list.textContent = "";
  found.forEach((conversation) => {
    const item = fromTemplate("pg-conversation-template");
    const current = conversation.id === currentId();
    item.setAttribute("data-id", conversation.id);
    item.classList.toggle("is-current", current);
    const link = item.querySelector("a");
    link.href = conversation.url;
    if (!current) link.removeAttribute("aria-current");
    item.querySelector(".pg-conv-title").textContent = conversation.title || t("untitled");
    setTime(item.querySelector("time"), new Date(conversation.updated_at));
    list.appendChild(item);
  });
  if (!found.length) {
    const note = document.createElement("li");
    note.className = "pg-conv-empty";
    note.setAttribute("data-empty", "");
    note.textContent = empty;
    list.appendChild(note);
  }
}

function setupSearch(list, urls, currentId) {
  const input = document.getElementById("pg-search");
  if (!input || !urls.conversations) return;
  const noMatch = input.getAttribute("data-no-match") || "";
  let timer = 0;
  let latest = 0;
  async function search() {
    const request = ++latest;
    const address = new URL(urls.conversations, window.location.href);
    address.searchParams.set("q", input.value.trim());
    const { ok, payload } = await getJson(address.toString()).catch(() => ({ ok: false }));
    if (!ok || request !== latest || !payload) return;
    showFound(list, payload.conversations || [], currentId, noMatch);
    list.querySelectorAll(".pg-conv").forEach((item) => {
      const id = item.getAttribute("data-id");
      item.querySelector('[data-export="json"]').href = urlWith(urls.exportJson, id);
      item.querySelector('[data-export="md"]').href = urlWith(urls.exportMarkdown, id);
    });
    localizeTimes(list);
  }
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(search, SEARCH_DELAY_MS);
  });
  input.form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(timer);
    search();
  });
}
