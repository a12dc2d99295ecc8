/** Small DOM helpers shared by the playground's modules. */

/** The parsed content of a <script type="application/json"> block, or null when it is missing or invalid. */
export function readJson(id) {
  const node = document.getElementById(id);
  if (!node) return null;
  try {
    return JSON.parse(node.textContent);
  } catch (e) {
    return null;
  }
}

/** A new element; text, when given, is set as textContent, never parsed as HTML. */
export function make(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

/** A clone of the first element inside <template id="...">, the server's markup for something added later. */
export function fromTemplate(id) {
  const template = document.getElementById(id);
  return template ? template.content.cloneNode(true).firstElementChild : null;
}

/** Removes the "nothing here yet" note ([data-empty]) of a list that is about to get its first entry. */
export function dropEmptyNote(container) {
  const note = container && container.querySelector("[data-empty]");
  if (note) note.remove();
}

export function cookie(name) {
  const match = document.cookie.match(new RegExp("(?:^|;\\s*)" + name + "=([^;]*)"));
  return match ? decodeURIComponent(match[1]) : "";
}

/** Copies ``text``; resolves to whether the browser let it (the clipboard API, else a hidden selection). */
export function copyText(text) {
  if (navigator.clipboard && navigator.clipboard.writeText) {
    return navigator.clipboard.writeText(text).then(
      () => true,
      () => copyBySelection(text),
    );
  }
  return Promise.resolve(copyBySelection(text));
}

function copyBySelection(text) {
  const box = make("textarea", "pg-visually-hidden");
  box.value = text;
  document.body.appendChild(box);
  box.select();
  let ok = false;
  try {
    ok = document.execCommand("copy");
  } catch (e) {
    ok = false;
  }
  box.remove();
  return ok;
}

/** A URL from the server's pattern with a zero id (``00000000-…`` or ``/0/``) replaced by ``id``. */
export function urlWith(pattern, id) {
  const zero = "00000000-0000-0000-0000-000000000000";
  const text = String(pattern || "");
  if (text.indexOf(zero) !== -1) return text.replace(zero, encodeURIComponent(id));
  return text.replace("/0/", "/" + encodeURIComponent(id) + "/");
}

/** POSTs ``body`` (FormData or nothing) with the CSRF token; resolves to the parsed JSON (or null) and the status. */
export async function postJson(url, body, csrfToken) {
  const response = await fetch(url, {
    method: "POST",
    body: body || new FormData(),
    credentials: "same-origin",
    headers: { "X-CSRFToken": csrfToken, Accept: "application/json" },
  });
  const payload = await response.json().catch(() => null);
  return { ok: response.ok, status: response.status, payload };
}

export async function getJson(url) {
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  const payload = await response.json().catch(() => null);
  return { ok: response.ok, status: response.status, payload };
}

/** A preference kept in this browser (localStorage), or null (none yet, or private mode). */
export function remembered(key) {
  try {
    return window.localStorage.getItem(key);
  } catch (e) {
    return null;
  }
}

export function remember(key, value) {
  try {
    window.localStorage.setItem(key, value);
  } catch (e) {
    // Private mode: the default applies again next time.
  }
}
