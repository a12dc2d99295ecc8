/**
 * Beside the transcript: an alert for a failed call, and the collapsible "JSON output" (the LLM node's output
 * of the last run, with a copy button). The reply itself shows once, in the transcript.
 */
import { make } from "./dom.js";
import { t } from "./i18n.js";

function placeholder(name, show) {
  const node = document.querySelector('[data-placeholder="' + name + '"]');
  if (node) node.hidden = !show;
}

/** The copy button copies the JSON; where the clipboard API is refused, the text is selected for Ctrl+C. */
export function setupCopy(button, source, status) {
  if (!button || !source) return;
  let timer = null;

  function copied(ok) {
    if (status) {
      // On success the button itself says so; the status line stays for screen readers only.
      status.textContent = ok ? t("copied") : t("copyManual");
      status.classList.toggle("pg-visually-hidden", ok);
    }
    if (ok) button.textContent = t("copied");
    clearTimeout(timer);
    timer = setTimeout(() => {
      button.textContent = t("copy");
      if (status) status.textContent = "";
    }, ok ? 2000 : 6000);
  }

  function selectText() {
    const range = document.createRange();
    range.selectNodeContents(source);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    let ok = false;
    try {
      ok = document.execCommand("copy");
    } catch (e) {
      ok = false;
    }
    copied(ok);
  }

  button.addEventListener("click", () => {
    const text = source.textContent;
    if (!text) return;
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(() => copied(true), selectText);
    } else {
      selectText();
    }
  });
}

export function createOutput() {
  const panel = document.getElementById("pg-output");
  const errorBox = document.getElementById("pg-error");
  const jsonBox = document.getElementById("pg-json");
  const copyButton = document.getElementById("pg-copy");
  setupCopy(copyButton, jsonBox, document.getElementById("pg-copy-status"));

  function setBusy(busy) {
    if (panel) panel.classList.toggle("is-streaming", busy);
  }

  /** The error message, and its type (e.g. provider_unavailable) when the server named one. */
  function showAlert(message, type) {
    if (!errorBox) return;
    errorBox.textContent = "";
    errorBox.appendChild(make("span", "pg-alert-text", message));
    if (type) errorBox.appendChild(make("code", "pg-alert-type", type));
    errorBox.hidden = false;
  }

  function setJson(value) {
    if (!jsonBox) return;
    jsonBox.textContent = value === undefined ? "" : JSON.stringify(value, null, 2);
    placeholder("json", !jsonBox.textContent);
    if (copyButton) copyButton.disabled = !jsonBox.textContent;
  }

  function reset() {
    if (errorBox) {
      errorBox.hidden = true;
      errorBox.textContent = "";
    }
    setJson(undefined);
  }

  return { setBusy, showAlert, setJson, reset };
}
