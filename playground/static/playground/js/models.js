/**
 * The credential and model fields. Both selects hold a first page of their options and search the server for
 * the others (picker.js: urls.credentials, urls.models). Picking a credential loads the first page of its models
 * into the model select; the typed model name is suggested the credential's models that match what is typed.
 * The rules of the chosen model (or of the typed one, when it is a known model) become the min, max and
 * placeholder (its default) of the temperature, top_p and max_tokens inputs.
 */
import { getJson } from "./dom.js";
import { t } from "./i18n.js";
import { createPicker, createSuggestions, searchUrl } from "./picker.js";

const RULES = ["temperature", "top_p", "max_tokens"];

const credentialOption = (credential) => [credential.id, credential.label || credential.name, credential.provider];
const modelOption = (model) => [model.name, model.display_name || model.name, model.name];

export function setupModels(form, urls) {
  const fields = form.elements;
  const credentialSelect = fields.namedItem("credential");
  const modelSelect = fields.namedItem("model");
  const modelName = fields.namedItem("model_name");
  const status = document.getElementById("pg-model-status");
  const suggestions = document.getElementById("pg-model-names");
  if (!credentialSelect || !modelSelect || !urls.models) return;
  const known = new Map(); // every model of this credential seen so far, by name: its rules
  let first = null; // the credential's first model, whose rules apply when no known model is chosen
  let latest = 0; // only the answer to the latest credential's models is shown

  RULES.forEach((name) => {
    const input = fields.namedItem(name);
    if (input) input.setAttribute("data-pg-placeholder", input.getAttribute("placeholder") || "");
  });

  const setStatus = (text) => {
    if (status) status.textContent = text;
  };
  const learn = (list) => list.forEach((model) => known.set(model.name, model));
  const credentialParams = () => (credentialSelect.value ? { credential: credentialSelect.value } : null);

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
    const model = (typed && known.get(typed)) || known.get(modelSelect.value) || first;
    RULES.forEach((name) => {
      const input = fields.namedItem(name);
      if (input) applyRule(input, model && model[name] && typeof model[name] === "object" ? model[name] : {});
    });
  }

  const credentials = createPicker(credentialSelect.closest("[data-picker]"), {
    url: urls.credentials,
    key: "credentials",
    toOption: credentialOption,
  });
  const models = createPicker(modelSelect.closest("[data-picker]"), {
    url: urls.models,
    key: "models",
    toOption: modelOption,
    params: () => credentialParams() || {},
    onItems: learn,
  });
  const typedNames =
    modelName && suggestions
      ? createSuggestions(modelName, suggestions, {
          url: urls.models,
          key: "models",
          toOption: modelOption,
          params: credentialParams,
          onItems: (list) => {
            learn(list);
            applyRules();
          },
        })
      : null;

  /** The credential's first page of models (``fill``: into the select; else only to learn their rules). */
  async function loadModels(fill) {
    const request = ++latest;
    const params = credentialParams();
    if (fill) known.clear();
    if (!params) {
      first = null;
      models.reset([], null);
      if (typedNames) typedNames.fill([]);
      setStatus("");
      applyRules();
      return;
    }
    if (fill) setStatus(t("modelsLoading"));
    modelSelect.setAttribute("aria-busy", "true");
    try {
      const { ok, payload } = await getJson(searchUrl(urls.models, params));
      if (request !== latest) return;
      if (!ok || !payload || !Array.isArray(payload.models)) throw new Error("models");
      const list = payload.models;
      learn(list);
      first = list[0] || null;
      if (fill) models.reset(list, payload.next);
      if (typedNames) typedNames.fill(list.slice(0, 20));
      setStatus(list.length ? "" : t("noModels"));
      await learnChosen(params);
      applyRules();
    } catch (e) {
      if (request === latest) setStatus(t("modelsError"));
    } finally {
      if (request === latest) modelSelect.removeAttribute("aria-busy");
    }
  }

  /** The rules of the chosen (or typed) model when it is past the first page. */
  async function learnChosen(params) {
    const name = (modelName && modelName.value.trim()) || modelSelect.value;
    if (!name || known.has(name)) return;
    const { ok, payload } = await getJson(searchUrl(urls.models, { ...params, q: name, limit: 5 }));
    if (ok && payload && Array.isArray(payload.models)) learn(payload.models);
  }

  if (modelName && suggestions) modelName.setAttribute("list", suggestions.id);
  credentialSelect.addEventListener("change", () => loadModels(true));
  modelSelect.addEventListener("change", applyRules);
  if (modelName) modelName.addEventListener("change", applyRules);
  // The server filled the first page of each select; ask only for the rules of its models.
  if (credentialSelect.value) loadModels(false);
  return { credentials, models };
}
