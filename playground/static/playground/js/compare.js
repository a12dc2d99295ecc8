/**
 * The compare page. Without scripts its form posts and the page comes back with the replies; with them, Compare
 * streams every column side by side (compare-run.js) and the page never reloads. Replies the server wrote (the
 * no-script path) are rendered with the same Markdown renderer.
 *
 * Each slot has its own parameters (compare-params.js), and each streaming column its own Stop.
 *
 * Keys: Ctrl+Enter (⌘+Enter) in the message sends; Esc stops a run (every column).
 */
import { setupSlotPickers } from "./compare-models.js";
import { dockParams, setupParams } from "./compare-params.js";
import { createRuns, filledSlots } from "./compare-run.js";
import { t } from "./i18n.js";
import { setupLanguage } from "./language.js";
import { renderMarkdown } from "./markdown.js";

function fieldErrors(form) {
  function clear() {
    form.querySelectorAll("[data-errors-for]").forEach((slot) => {
      slot.textContent = "";
    });
    form.querySelectorAll('[aria-invalid="true"]').forEach((field) => field.removeAttribute("aria-invalid"));
  }

  /** Errors ({field: [messages]}) next to their fields; the folded boxes around one (the settings, a slot's or
   * a column's parameters) open. */
  function show(errors) {
    const settings = document.getElementById("pg-compare-setup");
    Object.keys(errors).forEach((name) => {
      const slot = form.querySelector('[data-errors-for="' + name + '"]');
      const field = form.elements[name];
      if (slot) slot.textContent = errors[name].join(" ");
      if (field && field.setAttribute) field.setAttribute("aria-invalid", "true");
      if (slot && settings.contains(slot)) settings.open = true;
      const params = slot && slot.closest(".pg-compare-params");
      if (params) params.open = true;
    });
  }
  return { clear, show };
}

/** Slots with a credential but no model (or the reverse), as field errors; none when the form can run. */
function slotProblems(form) {
  const found = {};
  for (let slot = 1; form.elements["credential_" + slot]; slot++) {
    const credential = form.elements["credential_" + slot].value;
    const model = form.elements["model_" + slot].value.trim();
    if (credential && !model) found["model_" + slot] = [t("fillBoth")];
    if (model && !credential) found["credential_" + slot] = [t("fillBoth")];
  }
  return found;
}

/** Once a run starts, the settings fold to one line naming the models, so that the columns get the screen. */
function foldSetup(form) {
  const setupBox = document.getElementById("pg-compare-setup");
  const summary = document.getElementById("pg-compare-setup-summary");
  summary.textContent = filledSlots(form)
    .map((slot) => slot.model)
    .join(" · ");
  setupBox.open = false;
}

function setup(form) {
  const alertBox = document.getElementById("pg-compare-alert");
  const send = document.getElementById("pg-compare-send");
  const stopButton = document.getElementById("pg-compare-stop");
  const message = form.elements.message;
  const errors = fieldErrors(form);
  const area = document.getElementById("pg-compare-columns");
  const empty = area.querySelector("[data-empty]");
  const restart = document.getElementById("pg-compare-restart");
  const modeNote = document.getElementById("pg-compare-mode");

  function showAlert(text) {
    alertBox.textContent = text || "";
    alertBox.hidden = !text;
  }

  const runs = createRuns({
    form,
    area,
    status: document.getElementById("pg-compare-status"),
    setBusy(busy) {
      form.setAttribute("data-state", busy ? "streaming" : "idle");
      send.disabled = busy;
      stopButton.hidden = !busy;
      if (busy) stopButton.focus();
      else if (document.activeElement === stopButton || document.activeElement === document.body) message.focus();
    },
    showAlert,
    showErrors: errors.show,
    columnStopped(button) {
      // The column's Stop hid itself: keep the keyboard on the page, on the global Stop while others stream.
      const active = document.activeElement;
      if (!active || active === document.body || active === button) {
        (stopButton.hidden ? message : stopButton).focus();
      }
    },
    setThread(on) {
      modeNote.hidden = !on;
      restart.hidden = !on;
    },
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (runs.running()) return;
    errors.clear();
    showAlert("");
    const problems = slotProblems(form);
    if (Object.keys(problems).length) {
      errors.show(problems);
      showAlert(t("fixFields"));
    } else if (!filledSlots(form).length) {
      showAlert(t("chooseModels"));
    } else if (!message.value.trim()) {
      errors.show({ message: [t("writeMessage")] });
      message.focus();
    } else {
      foldSetup(form);
      runs.start(message.value);
    }
  });
  restart.addEventListener("click", () => {
    runs.reset();
    dockParams();
    area.textContent = "";
    area.removeAttribute("data-columns");
    if (empty) area.appendChild(empty);
    message.focus();
  });
  stopButton.addEventListener("click", () => runs.stop());
  message.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit(send);
    }
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && runs.stop()) event.preventDefault();
  });
}

setupLanguage();
document.querySelectorAll("[data-markdown]").forEach((body) => renderMarkdown(body, body.textContent));
const form = document.getElementById("pg-compare-form");
if (form && form.getAttribute("data-stream-url")) {
  setupParams(form);
  setupSlotPickers(form);
  setup(form);
}
