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
