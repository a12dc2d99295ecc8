/**
 * The form: its state (idle, streaming, done, stopped or error), errors shown next to their fields, the small
 * behaviours of its fields, and sending: Enter (or the Send button) sends, Shift+Enter adds a line, or, as the
 * user chooses, Ctrl/⌘+Enter sends and Enter adds a line. While a reply streams, Send gives way to Stop (Esc stops too) and an elapsed-time counter runs.
 */
import { setupAttachments } from "./attachments.js";
import { cookie, make, remember, remembered } from "./dom.js";
import { formatNumber, t } from "./i18n.js";

const SEND_KEY_STORE = "pg-send-key";

function errorList(messages, id) {
  const list = make("ul", "errorlist");
  if (id) list.id = id;
  messages.forEach((message) => list.appendChild(make("li", null, message)));
  return list;
}

/** The default value shows only with its error mode (or when it has an error to show). */
function setupErrorMode(form) {
  const errorMode = form.elements.namedItem("error_mode");
  const defaultField = form.querySelector('[data-field="default_value"]');
  if (!errorMode || !defaultField) return;
  function sync() {
    const hasErrors = !!defaultField.querySelector(".errorlist li");
    defaultField.hidden = errorMode.value !== "default" && !hasErrors;
  }
  errorMode.addEventListener("change", sync);
  sync();
}

/** The number of rounds looks inactive while history is off. */
function setupHistory(form) {
  const historyBox = form.elements.namedItem("history");
  const roundsField = form.querySelector('[data-field="history_rounds"]');
  if (!historyBox || !roundsField) return;
  const sync = () => roundsField.classList.toggle("is-muted", !historyBox.checked);
  historyBox.addEventListener("change", sync);
  sync();
}

/** The schema box shows only for the JSON schema format (or when it has an error to show). */
function setupResponseFormat(form) {
  const format = form.elements.namedItem("response_format");
  const schemaField = form.querySelector('[data-field="response_schema"]');
  if (!format || !schemaField) return;
  function sync() {
    schemaField.hidden = format.value !== "json_schema" && !schemaField.querySelector(".errorlist li");
  }
  format.addEventListener("change", sync);
  sync();
}

/** The thinking budget looks inactive while thinking is off. */
function setupThinking(form) {
  const level = form.elements.namedItem("thinking");
  const budgetField = form.querySelector('[data-field="thinking_budget"]');
  if (!level || !budgetField) return;
  const sync = () => budgetField.classList.toggle("is-muted", level.value === "off");
  level.addEventListener("change", sync);
  sync();
}

/**
 * ``onSend()`` is called when the form is submitted (the page does not reload), ``onState(busy)`` when its
 * state changes.
 */
/** The seconds since ``start`` in the status line, ten times a second, until stopped. */
function createClock(slot) {
  let timer = 0;
  let started = 0;
  const show = () => {
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    slot.textContent = t("seconds", { seconds: formatNumber(Number(seconds)) });
  };
  return {
    start() {
      started = Date.now();
      window.clearInterval(timer);
      show();
      timer = window.setInterval(show, 100);
    },
    stop() {
      window.clearInterval(timer);
      timer = 0;
      slot.textContent = "";
    },
  };
}

export function createComposer(form, { onSend, onStop, onState }) {
  const fields = form.elements;
  const messageBox = fields.namedItem("message");
  const sendButton = document.getElementById("pg-send");
  const stopButton = document.getElementById("pg-stop");
  const statusText = form.querySelector("#pg-status .pg-status-text");
  const clock = createClock(document.getElementById("pg-elapsed") || document.createElement("span"));
  const formErrors = document.getElementById("pg-form-errors");
  let busy = false;

  function setState(state) {
    const wasBusy = busy;
    busy = state === "streaming";
    form.setAttribute("data-state", state);
    form.setAttribute("aria-busy", busy ? "true" : "false");
    if (sendButton) {
      sendButton.disabled = busy;
      sendButton.hidden = busy;
    }
    if (stopButton) stopButton.hidden = !busy;
    if (statusText) statusText.textContent = busy ? t("waiting") : "";
    if (busy && !wasBusy) clock.start();
    if (!busy) clock.stop();
    if (busy && !wasBusy && stopButton && document.activeElement === sendButton) stopButton.focus();
    onState(busy);
  }

  /** The status line once the first words are in. */
  function streaming() {
    if (busy && statusText) statusText.textContent = t("generating");
  }

  /** The message box grows with its text, from two lines up to 40% of the window. */
  function autosize() {
    if (!messageBox || messageBox.tagName !== "TEXTAREA") return;
    messageBox.rows = 2;
    messageBox.style.height = "auto";
    const limit = Math.max(120, Math.round(window.innerHeight * 0.4));
    messageBox.style.height = Math.min(messageBox.scrollHeight + 2, limit) + "px";
  }

  function clearErrors() {
    form.querySelectorAll("[data-errors-for]").forEach((box) => {
      box.textContent = "";
    });
    form.querySelectorAll('[aria-invalid="true"]').forEach((input) => input.removeAttribute("aria-invalid"));
    if (formErrors) {
      formErrors.textContent = "";
      formErrors.hidden = true;
    }
  }

  /** Shows messages under field ``name``, marked invalid; returns its input, or null if it has no place here. */
  function showFieldErrors(name, messages) {
    const box = /^[\w-]+$/.test(name) && name !== "__all__" ? form.querySelector('[data-errors-for="' + name + '"]') : null;
    const input = box ? fields.namedItem(name) : null;
    if (!box || !input || input.type === "hidden") return null;
    const id = (input.id || "pg-" + name) + "_error";
    box.appendChild(errorList(messages, id));
    input.setAttribute("aria-invalid", "true");
    const described = (input.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
    if (described.indexOf(id) === -1) input.setAttribute("aria-describedby", described.concat(id).join(" "));
    const details = box.closest("details");
    if (details) details.open = true;
    const wrapper = box.closest(".pg-field");
    if (wrapper) wrapper.hidden = false;
    return input;
  }

  /** The server's form errors ({field: [message, ...]}): by their fields, the others above the form. */
  function showErrors(errors) {
    let general = [];
    let firstInvalid = null;
    Object.keys(errors || {}).forEach((name) => {
      const raw = Array.isArray(errors[name]) ? errors[name] : [errors[name]];
      const messages = raw.map((item) => (item && typeof item === "object" ? String(item.message || "") : String(item)));
      const input = showFieldErrors(name, messages);
      if (!input) general = general.concat(messages);
      else if (!firstInvalid) firstInvalid = input;
    });
    if (general.length && formErrors) {
      formErrors.appendChild(errorList(general));
      formErrors.hidden = false;
    }
    const target = general.length ? formErrors : firstInvalid;
    if (target === formErrors && target) formErrors.scrollIntoView({ block: "nearest" });
    else if (target) target.focus();
  }

  // Which key sends (the select under the message box, remembered in this browser): Enter, or Ctrl/⌘+Enter.
  const sendKey = document.getElementById("pg-send-key");
  if (sendKey) {
    const kept = remembered(SEND_KEY_STORE);
    if (kept && Array.from(sendKey.options).some((option) => option.value === kept)) sendKey.value = kept;
    sendKey.addEventListener("change", () => remember(SEND_KEY_STORE, sendKey.value));
  }

  /** Whether this Enter sends: an IME's Enter (composing Chinese, say) only ends the composition. */
  function sends(event) {
    if (event.key !== "Enter" || event.isComposing || event.keyCode === 229) return false;
    const modified = event.ctrlKey || event.metaKey;
    if (sendKey && sendKey.value === "ctrl") return modified;
    return modified || !(event.shiftKey || event.altKey);
  }

  if (messageBox) {
    messageBox.addEventListener("input", autosize);
    messageBox.addEventListener("keydown", (event) => {
      if (!sends(event)) return;
      event.preventDefault();
      if (busy) return;
      if (typeof form.requestSubmit === "function") form.requestSubmit(sendButton || undefined);
      else if (sendButton) sendButton.click();
    });
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!busy) onSend();
  });
  if (stopButton) stopButton.addEventListener("click", () => onStop());
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && busy && !document.querySelector("dialog[open]")) {
      event.preventDefault();
      onStop();
    }
  });
  setupErrorMode(form);
  setupHistory(form);
  setupResponseFormat(form);
  setupThinking(form);

  const attachments = setupAttachments(form, { showFieldErrors, messageBox });

  return {
    setState,
    streaming,
    state: () => form.getAttribute("data-state"),
    isBusy: () => busy,
    clearErrors,
    showErrors,
    autosize,
    message: () => (messageBox ? messageBox.value : ""),
    previewAttachments: attachments.preview,
    /** After a reply: the message and its image are sent; the settings stay for the next one. */
    clearMessage() {
      attachments.clear();
      if (!messageBox) return;
      messageBox.value = "";
      autosize();
    },
    /** After a turn, the cursor goes back to the message box unless the user put it elsewhere meanwhile. */
    refocus() {
      const active = document.activeElement;
      if (messageBox && (active === document.body || active === sendButton || active === stopButton)) messageBox.focus();
    },
    csrfToken() {
      const input = form.querySelector('input[name="csrfmiddlewaretoken"]');
      return (input && input.value) || cookie("csrftoken");
    },
  };
}
