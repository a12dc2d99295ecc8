/**
 * The compare slots' credentials and models: each credential select searches the server for the credentials
 * past its first page (picker.js), and a slot's model name is suggested its credential's models that match what
 * is typed (before the slot has a credential, the page's own first names: the shared datalist).
 */
import { createPicker, createSuggestions } from "./picker.js";

const SHARED_LIST = "pg-compare-models";

export function setupSlotPickers(form) {
  const credentialsUrl = form.getAttribute("data-credentials-url");
  const modelsUrl = form.getAttribute("data-models-url");
  for (let slot = 1; form.elements["credential_" + slot]; slot++) {
    const select = form.elements["credential_" + slot];
    const root = select.closest("[data-picker]");
    if (root && credentialsUrl) {
      createPicker(root, {
        url: credentialsUrl,
        key: "credentials",
        toOption: (credential) => [credential.id, credential.label || credential.name, credential.provider],
      });
    }
    const input = form.elements["model_" + slot];
    const own = document.getElementById(SHARED_LIST + "-" + slot);
    if (input && own && modelsUrl) suggestFor(select, input, own, modelsUrl);
  }
}

function suggestFor(select, input, own, url) {
  let askedFor = null; // the credential whose first models the slot's list holds
  const names = createSuggestions(input, own, {
    url,
    key: "models",
    toOption: (model) => [model.name, model.display_name || model.name],
    params: () => (select.value ? { credential: select.value } : null),
  });
  function follow() {
    input.setAttribute("list", select.value ? own.id : SHARED_LIST);
    if (select.value !== askedFor) {
      askedFor = select.value;
      names.refresh();
    }
  }
  select.addEventListener("change", follow);
  input.addEventListener("focus", follow);
}
