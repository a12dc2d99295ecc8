/**
 * Every user-visible string the scripts write comes from the translated
 * <script type="application/json" id="pg-i18n"> block of templates/playground/index.html.
 * Numbers and dates are formatted in the page's language.
 */
import { readJson } from "./dom.js";

const LANG = document.documentElement.lang || undefined;
let strings = null;

/** The string for ``key``, with each ``{name}`` replaced by params[name]; "" for an unknown key. */
export function t(key, params) {
  if (strings === null) strings = readJson("pg-i18n") || {};
  let text = typeof strings[key] === "string" ? strings[key] : "";
  Object.keys(params || {}).forEach((name) => {
    text = text.split("{" + name + "}").join(String(params[name]));
  });
  return text;
}

export function formatNumber(value) {
  try {
    return new Intl.NumberFormat(LANG).format(value);
  } catch (e) {
    return String(value);
  }
}

export function formatDate(date) {
  try {
    return new Intl.DateTimeFormat(LANG, { dateStyle: "short", timeStyle: "short" }).format(date);
  } catch (e) {
    return date.toLocaleString();
  }
}

/** Shows a <time datetime> in the same format as the times the scripts add (the server wrote its own). */
export function setTime(node, date) {
  node.setAttribute("datetime", date.toISOString());
  node.textContent = formatDate(date);
}

/** Rewrites server-written times (<time datetime>) under ``root`` in the format the scripts use. */
export function localizeTimes(root) {
  if (!root) return;
  root.querySelectorAll("time[datetime]").forEach((node) => {
    const date = new Date(node.getAttribute("datetime"));
    if (!isNaN(date.getTime())) node.textContent = formatDate(date);
  });
}
