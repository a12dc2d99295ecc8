/**
 * Fenced code in rendered Markdown: highlighted by highlight.js when its language is one highlight.js knows, and
 * framed with a bar that names the language and holds a Copy button. One listener on the document serves every
 * Copy button, so a block rebuilt while a reply streams needs no wiring of its own.
 */
import hljs from "../../vendor/highlight.js/highlight.min.js";
import { make } from "./dom.js";
import { t } from "./i18n.js";

const COPIED_FOR_MS = 2000;
let listening = false;

/** The language a fenced block was marked with ("language-python" → "python"), or "". */
function languageOf(code) {
  const name = Array.from(code.classList).find((cls) => cls.startsWith("language-"));
  return name ? name.slice("language-".length) : "";
}

function highlight(code, language) {
  code.classList.add("hljs");
  if (!language || !hljs.getLanguage(language)) return;
  // highlight.js escapes the code it wraps in its <span class="hljs-…">; the code was text before and stays text.
  code.innerHTML = hljs.highlight(code.textContent, { language, ignoreIllegals: true }).value;
}

function frame(pre, language) {
  const figure = make("div", "md-code");
  const bar = make("div", "md-code-bar");
  bar.appendChild(make("span", "md-code-lang", language));
  const button = make("button", "md-copy", t("copy"));
  button.type = "button";
  bar.appendChild(button);
  pre.replaceWith(figure);
  figure.append(bar, pre);
}

/** Highlights and frames every <pre><code> under ``root``. */
export function decorateCode(root) {
  root.querySelectorAll("pre > code").forEach((code) => {
    const language = languageOf(code);
    highlight(code, language);
    frame(code.parentNode, language);
  });
  if (!listening) {
    document.addEventListener("click", onCopyClick);
    listening = true;
  }
}

/** The button says "Copied" for a moment; a refused copy leaves a note beside it instead. */
function showCopied(button, ok) {
  clearTimeout(button.mdTimer);
  reset(button);
  if (ok) {
    button.textContent = t("copied");
    button.classList.add("is-copied");
  } else {
    button.before(make("span", "md-code-note", t("copyManual")));
  }
  button.mdTimer = setTimeout(() => reset(button), ok ? COPIED_FOR_MS : COPIED_FOR_MS * 3);
}

function reset(button) {
  button.textContent = t("copy");
  button.classList.remove("is-copied");
  const note = button.parentNode && button.parentNode.querySelector(".md-code-note");
  if (note) note.remove();
}

/** Where the clipboard API is refused, the code is selected for Ctrl+C and a note says so. */
function selectCode(code, button) {
  const range = document.createRange();
  range.selectNodeContents(code);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  showCopied(button, false);
}

function onCopyClick(event) {
  const button = event.target instanceof Element ? event.target.closest(".md-copy") : null;
  const code = button && button.closest(".md-code") && button.closest(".md-code").querySelector("code");
  if (!code) return;
  const text = code.textContent.replace(/\n$/, "");
  if (navigator.clipboard && navigator.clipboard.writeText) {
    navigator.clipboard.writeText(text).then(
      () => showCopied(button, true),
      () => selectCode(code, button)
    );
  } else {
    selectCode(code, button);
  }
}
