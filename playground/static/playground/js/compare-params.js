/**
 * Each compare slot's own parameters (temperature, top_p, max tokens): a folded "Parameters" box that the server
 * renders in the slot (templates/playground/compare.html), so that the form works without scripts too.
 *
 * While a slot has a column, its box is lent to the column's header, where the parameters of that model's next
 * turn are set beside its replies; the fields stay inside the form wherever they are, so ``form.elements`` finds
 * them. Before columns are discarded the boxes go back to their slots (``dockParams``), or they would go too.
 *
 * The box's folded line says what is set ("Temperature 0.2 · Max tokens 64"); an empty field is the model's
 * default, shown as the field's placeholder once the models of the slot's credential are known (GET urls.models).
 */
import { t } from "./i18n.js";

export const PARAMS = ["temperature", "top_p", "max_tokens"];

function box(slot) {
  return document.querySelector('.pg-compare-params[data-params-slot="' + slot + '"]');
}

function homeOf(slot) {
  return document.querySelector('.pg-compare-slot[data-slot="' + slot + '"]');
}

/**
 * The slot's parameters for the JSON body: a number, null when empty, or the text as typed when it is not a
 * number (so that the server names the field). An input the browser could not read at all sends "".
 */
export function readParams(form, slot) {
  const found = {};
  PARAMS.forEach((name) => {
    const input = form.elements[name + "_" + slot];
    const value = input ? input.value.trim() : "";
    if (input && input.validity && input.validity.badInput) found[name] = "";
    else found[name] = value === "" ? null : Number.isFinite(Number(value)) ? Number(value) : value;
  });
  return found;
}

/** Moves the slot's box into ``header`` (a column's); its slot says where it went. */
export function lendParams(slot, header) {
  const params = box(slot);
  const home = homeOf(slot);
  if (!params || !header) return;
  header.appendChild(params);
  params.open = false;
  const away = home && home.querySelector(".pg-compare-params-away");
  if (away) away.hidden = false;
}

/** Every lent box back in its slot, before the columns that hold them are removed. */
export function dockParams() {
  document.querySelectorAll(".pg-compare-params[data-params-slot]").forEach((params) => {
    const home = homeOf(params.getAttribute("data-params-slot"));
    const away = home && home.querySelector(".pg-compare-params-away");
    if (!home || params.parentElement === home) return;
    home.insertBefore(params, away);
    if (away) away.hidden = true;
  });
}

function summarize(params) {
  const parts = [];
  params.querySelectorAll(".pg-compare-param").forEach((field) => {
    const input = field.querySelector("input");
    const label = field.querySelector("label");
    if (input && input.value.trim()) parts.push(label.textContent.trim() + " " + input.value.trim());
  });
  params.querySelector(".pg-compare-params-summary").textContent = parts.length ? parts.join(" · ") : t("paramsDefault");
}

/** The models of each credential, asked once per page; null while unknown or when the request failed. */
function modelCatalog(url) {
  const known = new Map();
  return function models(credential) {
    if (!known.has(credential)) {
      const request = fetch(url + "?credential=" + encodeURIComponent(credential), { credentials: "same-origin" })
        .then((response) => (response.ok ? response.json() : null))
        .then((payload) => (payload && Array.isArray(payload.models) ? payload.models : null))
        .catch(() => null);
      known.set(credential, request);
    }
    return known.get(credential);
  };
}

/** The model's default of each parameter as its placeholder (the generic one when it has none), and its bounds. */
function applyDefaults(form, slot, model) {
  PARAMS.forEach((name) => {
    const input = form.elements[name + "_" + slot];
    if (!input) return;
    if (!input.hasAttribute("data-placeholder")) input.setAttribute("data-placeholder", input.placeholder || "");
    const rule = model && model[name] && typeof model[name] === "object" ? model[name] : {};
    const known = (value) => value !== null && value !== undefined;
    input.placeholder = known(rule.default) ? String(rule.default) : input.getAttribute("data-placeholder");
    ["min", "max"].forEach((bound) => {
      if (known(rule[bound])) input.setAttribute(bound, String(rule[bound]));
      else if (input.hasAttribute("data-" + bound)) input.setAttribute(bound, input.getAttribute("data-" + bound));
    });
  });
}

export function setupParams(form) {
  const models = modelCatalog(form.getAttribute("data-models-url"));
  const asked = {}; // per slot: only the answer for the latest credential and model is applied
  PARAMS.forEach((name) => {
    for (let slot = 1; form.elements[name + "_" + slot]; slot++) {
      const input = form.elements[name + "_" + slot];
      ["min", "max"].forEach((bound) => {
        if (input.hasAttribute(bound)) input.setAttribute("data-" + bound, input.getAttribute(bound));
      });
    }
  });

  async function refresh(slot) {
    const credential = form.elements["credential_" + slot].value;
    const name = form.elements["model_" + slot].value.trim();
    const mine = (asked[slot] = (asked[slot] || 0) + 1);
    const list = credential && name ? await models(credential) : null;
    if (mine !== asked[slot]) return;
    applyDefaults(form, slot, (list || []).find((model) => model.name === name) || null);
  }

  document.querySelectorAll(".pg-compare-params").forEach((params) => {
    summarize(params);
    params.addEventListener("input", () => summarize(params));
  });
  for (let slot = 1; form.elements["credential_" + slot]; slot++) {
    form.elements["credential_" + slot].addEventListener("change", () => refresh(slot));
    form.elements["model_" + slot].addEventListener("input", () => refresh(slot));
    if (form.elements["credential_" + slot].value) refresh(slot);
  }
}
