/**
 * The credential and model fields. Picking a credential loads its models (GET urls.models) into the model
 * select and the model-name suggestions; the chosen model's parameter rules become the min, max and
 * placeholder (its default) of the temperature, top_p and max_tokens inputs.
 */
import { make } from "./dom.js";
import { t } from "./i18n.js";

const RULES = ["temperature", "top_p", "max_tokens"];

export function setupModels(form, modelsUrl) {
  const fields = form.elements;
  const credentialSelect = fields.namedItem("credential");
  const modelSelect = fields.namedItem("model");
  const modelName = fields.namedItem("model_name");
  const status = document.getElementById("pg-model-status");
  const suggestions = document.getElementById("pg-model-names");
  let models = [];
  let latest = 0; // only the answer to the latest request is shown

  RULES.forEach((name) => {
    const input = fields.namedItem(name);
    if (input) input.setAttribute("data-pg-placeholder", input.getAttribute("placeholder") || "");
  });

  const findModel = (name) => models.find((model) => model.name === name) || null;
  const setStatus = (text) => {
    if (status) status.textContent = text;
  };

  function applyRule(input, rule) {
    ["min", "max"].forEach((bound) => {
      if (rule[bound] === null || rule[bound] === undefined) input.removeAttribute(bound);
      else input.setAttribute(bound, String(rule[bound]));
    });
    const fallback = input.getAttribute("data-pg-placeholder") || "";
    const hasDefault = rule.default !== null && rule.default !== undefined;
    if (hasDefault || fallback) input.setAttribute("placeholder", hasDefault ? String(rule.default) : fallback);
    else input.removeAttribute("placeholder");
  }

  /** The rules of the typed model name, else of the selected model, else of the credential's first model. */
  function applyRules() {
    const typed = modelName ? modelName.value.trim() : "";
    const model = (typed && findModel(typed)) || (modelSelect && findModel(modelSelect.value)) || models[0] || null;
    RULES.forEach((name) => {
      const input = fields.namedItem(name);
      if (input) applyRule(input, model && model[name] && typeof model[name] === "object" ? model[name] : {});
    });
  }

  function fillSelect(list) {
    const previous = modelSelect.value;
    const blank = modelSelect.querySelector('option[value=""]');
    const empty = make("option", null, blank ? blank.textContent : t("chooseModel"));
    empty.value = "";
    modelSelect.textContent = "";
    modelSelect.appendChild(empty);
    list.forEach((model) => {
      const option = make("option", null, model.display_name || model.name);
      option.value = model.name;
      if (model.display_name && model.display_name !== model.name) option.title = model.name;
      modelSelect.appendChild(option);
    });
    modelSelect.value = findModel(previous) ? previous : "";
  }

  function fillSuggestions(list) {
    suggestions.textContent = "";
    list.forEach((model) => {
      const option = document.createElement("option");
      option.value = model.name;
      if (model.display_name && model.display_name !== model.name) option.label = model.display_name;
      suggestions.appendChild(option);
    });
  }

  function fillModels(list) {
    models = list;
    if (modelSelect) fillSelect(list);
    if (suggestions) fillSuggestions(list);
    applyRules();
  }

  function loadModels() {
    if (!credentialSelect || !modelsUrl) return;
    const request = ++latest;
    const pk = credentialSelect.value;
    if (!pk) {
      fillModels([]);
      setStatus("");
      return;
    }
    setStatus(t("modelsLoading"));
    if (modelSelect) modelSelect.setAttribute("aria-busy", "true");
    const address = new URL(modelsUrl, window.location.href);
    address.searchParams.set("credential", pk);
    fetch(address.toString(), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((response) => {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then((payload) => {
        if (request !== latest) return;
        const list = payload && Array.isArray(payload.models) ? payload.models : [];
        fillModels(list);
        setStatus(list.length ? "" : t("noModels"));
      })
      .catch(() => {
        if (request === latest) setStatus(t("modelsError"));
      })
      .then(() => {
        if (request === latest && modelSelect) modelSelect.removeAttribute("aria-busy");
      });
  }

  if (modelName && suggestions) modelName.setAttribute("list", suggestions.id);
  if (credentialSelect) credentialSelect.addEventListener("change", loadModels);
  if (modelSelect) modelSelect.addEventListener("change", applyRules);
  if (modelName) modelName.addEventListener("change", applyRules);
  // The server filled the model list; fetch it again only to learn the parameter rules.
  if (credentialSelect && credentialSelect.value) loadModels();
}
