/**
 * Pickers for lists that may be long (credentials, a credential's models). The server renders a first page of a
 * select's options and the chosen one (templates/playground/_picker.html); when there are more, a search box
 * under the select (an ARIA combobox) lists the matching ones from the server (GET url?q=…, then &cursor=… for
 * the next page). The select stays the form's field, so the keyboard, a phone's own picker and scripts work as
 * with any select.
 *
 * Keys in the search box: ArrowDown and ArrowUp move in the list (opening it), Enter chooses the option (or the
 * first match; an IME's Enter only ends its composition), Escape closes the list, then clears the box.
 *
 * createSuggestions fills a text input's <datalist> the same way, for names that may also be typed freely.
 */
import { getJson, make } from "./dom.js";
import { t } from "./i18n.js";

const DELAY_MS = 200;

/** ``base`` + ``params`` (empty values left out) as an absolute URL. */
export function searchUrl(base, params) {
  const address = new URL(base, window.location.href);
  Object.keys(params).forEach((name) => {
    const value = params[name];
    if (value !== "" && value !== null && value !== undefined) address.searchParams.set(name, String(value));
  });
  return address.toString();
}

/**
 * A search that answers only its latest question: ``run(params)`` resolves to the payload of that request, or to
 * null when a newer one replaced it. A failed request rejects.
 */
function latestOnly(url) {
  let latest = 0;
  return async (params) => {
    const request = ++latest;
    const { ok, payload } = await getJson(searchUrl(url, params));
    if (request !== latest) return null;
    if (!ok || !payload) throw new Error("search failed");
    return payload;
  };
}

function isImeEnter(event) {
  return event.isComposing || event.keyCode === 229;
}

/**
 * The picker in ``root`` (a [data-picker] element: the select, and a combobox whose listbox shows what the
 * search finds). ``key`` names the list in the endpoint's answer; ``toOption(item)`` is [value, label, detail]
 * (the detail is shown, quieter, beside the label); ``params()`` adds the endpoint's own parameters (a model's
 * credential); ``onItems(items)`` sees every item that arrives.
 *
 * The list opens as the reader types (or presses ArrowDown, or clicks the box), shows the first page of the
 * select's options while the box is empty, and loads the next page when it is scrolled (or arrowed) to its end.
 * Choosing an option adds it to the select when the select does not have it, and gives the select the focus.
 */
export function createPicker(root, { url, key, toOption, params = () => ({}), onItems = () => {} }) {
  const select = root.querySelector("select");
  const combo = root.querySelector("[data-picker-combo]");
  const box = root.querySelector("[data-picker-search]");
  const popup = root.querySelector("[data-picker-popup]");
  const list = root.querySelector("[data-picker-list]");
  const status = root.querySelector("[data-picker-status]");
  const ask = latestOnly(url);
  let firstNext = root.getAttribute("data-next") || null; // the cursor after the select's own first page
  let entries = []; // [value, label, detail] of the list's options
  let shownFor = null; // what was typed for them ("" for the first page)
  let next = null;
  let query = "";
  let active = -1;
  let loading = false;
  let timer = 0;

  const isOpen = () => !popup.hidden;

  function open(show) {
    const opening = show && popup.hidden;
    popup.hidden = !show;
    box.setAttribute("aria-expanded", show ? "true" : "false");
    if (!show) setActive(-1);
    // On a short screen the list may open below the fold: bring it into view (only as far as it needs).
    if (opening) window.requestAnimationFrame(() => popup.scrollIntoView({ block: "nearest" }));
  }

  function setActive(index) {
    const nodes = list.children;
    if (active >= 0 && nodes[active]) nodes[active].classList.remove("is-active");
    active = index;
    if (index < 0 || !nodes[index]) {
      box.removeAttribute("aria-activedescendant");
      return;
    }
    nodes[index].classList.add("is-active");
    nodes[index].scrollIntoView({ block: "nearest" });
    box.setAttribute("aria-activedescendant", nodes[index].id);
  }

  function optionNode(entry, index) {
    const [value, label, detail] = entry;
    const node = make("li", "pg-picker-option");
    node.id = list.id + "-" + index;
    node.setAttribute("role", "option");
    node.setAttribute("aria-selected", value === select.value ? "true" : "false");
    node.appendChild(make("span", "pg-picker-label", label));
    if (detail && detail !== label) node.appendChild(make("span", "pg-picker-detail", detail));
    return node;
  }

  function show(found, append) {
    const seen = new Set(append ? entries.map((entry) => entry[0]) : []);
    if (!append) {
      entries = [];
      list.textContent = "";
      setActive(-1);
    }
    found.forEach((entry) => {
      if (seen.has(entry[0])) return;
      seen.add(entry[0]);
      list.appendChild(optionNode(entry, entries.length));
      entries.push(entry);
    });
  }

  function describe() {
    if (loading) return t("pickerSearching");
    if (!entries.length) return query ? t("pickerNone", { query }) : "";
    if (next) return t("pickerScroll", { count: entries.length });
    return query ? t("pickerFound", { count: entries.length }) : "";
  }

  const setStatus = () => {
    status.textContent = describe();
  };

  /** The select's own options (its first page) as the list, while nothing is typed. */
  function showFirstPage() {
    query = "";
    const options = Array.from(select.options).filter((o) => o.value);
    show(options.map((o) => [o.value, o.textContent, o.title || ""]), false);
    shownFor = "";
    next = firstNext;
    setStatus();
  }

  async function load(cursor) {
    const asked = query;
    loading = true;
    setStatus();
    try {
      const payload = await ask({ ...params(), q: asked, cursor });
      if (!payload) return; // a newer search answers
      const items = Array.isArray(payload[key]) ? payload[key] : [];
      onItems(items);
      show(items.map(toOption), !!cursor);
      shownFor = asked;
      next = payload.next;
      loading = false;
      setStatus();
    } catch (e) {
      loading = false;
      status.textContent = t("pickerError");
    }
  }

  function searchNow() {
    window.clearTimeout(timer);
    const typed = box.value.trim();
    open(true);
    if (!typed) {
      showFirstPage();
      return Promise.resolve();
    }
    if (typed === query && !loading) return Promise.resolve();
    query = typed;
    return load("");
  }

  function searchSoon() {
    window.clearTimeout(timer);
    timer = window.setTimeout(searchNow, DELAY_MS);
  }

  function loadMore() {
    if (next && !loading) load(next);
  }

  /** The entry becomes the select's choice, as choosing it in the select would. */
  function choose(index) {
    const entry = entries[index];
    if (!entry) return;
    const [value, label, detail] = entry;
    let option = Array.from(select.options).find((o) => o.value === value);
    if (!option) {
      option = make("option", null, label);
      option.value = value;
      if (detail) option.title = detail;
      const blank = select.querySelector('option[value=""]');
      select.insertBefore(option, blank ? blank.nextSibling : select.firstChild);
    }
    const changed = select.value !== value;
    select.value = value;
    box.value = "";
    query = "";
    open(false);
    select.focus();
    if (changed) select.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function move(step) {
    if (!isOpen()) {
      searchNow();
      return;
    }
    const last = entries.length - 1;
    const target = Math.max(0, Math.min(last, active + step));
    if (last >= 0) setActive(target);
    if (target >= last - 2) loadMore();
  }

  box.addEventListener("input", searchSoon);
  box.addEventListener("click", () => {
    if (!isOpen()) searchNow();
  });
  box.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      move(event.key === "ArrowDown" ? 1 : -1);
    } else if (event.key === "Enter" && !isImeEnter(event)) {
      event.preventDefault(); // never sends the form
      if (isOpen() && active >= 0) choose(active);
      else if (box.value.trim()) {
        searchNow().then(() => {
          if (shownFor === box.value.trim()) choose(0);
        });
      }
    } else if (event.key === "Escape" && (isOpen() || box.value)) {
      event.preventDefault();
      event.stopPropagation(); // closes the list, not the drawer it is in
      if (isOpen()) open(false);
      else box.value = "";
    }
  });
  list.addEventListener("mousedown", (event) => event.preventDefault()); // the box keeps the focus
  list.addEventListener("click", (event) => {
    const node = event.target.closest("[role=option]");
    if (node) choose(Array.prototype.indexOf.call(list.children, node));
  });
  list.addEventListener("scroll", () => {
    if (list.scrollTop + list.clientHeight >= list.scrollHeight - 40) loadMore();
  });
  combo.addEventListener("focusout", (event) => {
    if (!combo.contains(event.relatedTarget)) open(false);
  });

  return {
    select,
    /** A new first page (another credential's models) in the select: the search is cleared. */
    reset(items, cursor) {
      onItems(items);
      const chosen = select.value;
      const blank = select.querySelector('option[value=""]');
      select.textContent = "";
      if (blank) select.appendChild(blank);
      items.map(toOption).forEach(([value, label, detail]) => {
        const option = make("option", null, label);
        option.value = value;
        if (detail) option.title = detail;
        select.appendChild(option);
      });
      select.value = items.some((item) => toOption(item)[0] === chosen) ? chosen : "";
      firstNext = cursor || null;
      box.value = "";
      query = "";
      open(false);
      combo.hidden = !firstNext;
      root.toggleAttribute("data-searchable", !!firstNext);
    },
  };
}

/**
 * Suggestions for a text input (its <datalist> ``list``) from the endpoint, for what has been typed so far;
 * ``params()`` returns null while there is nothing to ask about (no credential chosen).
 */
export function createSuggestions(input, list, { url, key, toOption, params, limit = 20, onItems = () => {} }) {
  const ask = latestOnly(url);
  let timer = 0;

  function fill(items) {
    list.textContent = "";
    items.forEach((item) => {
      const [value, label] = toOption(item);
      const node = document.createElement("option");
      node.value = value;
      if (label && label !== value) node.label = label;
      list.appendChild(node);
    });
  }

  async function suggest() {
    const extra = params();
    if (!extra) return;
    try {
      const payload = await ask({ ...extra, q: input.value.trim(), limit });
      if (!payload) return;
      const items = Array.isArray(payload[key]) ? payload[key] : [];
      onItems(items);
      fill(items);
    } catch (e) {
      // Suggestions are a help: a failed search leaves the last ones, and any name can still be typed.
    }
  }

  input.addEventListener("input", () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(suggest, DELAY_MS);
  });
  return {
    /** Suggestions again (another credential): its first ones, or none. */
    refresh() {
      window.clearTimeout(timer);
      if (params()) suggest();
      else fill([]);
    },
    fill,
  };
}
