/**
 * The inspector (a reply's exchange: the request sent to the provider and what came back, from
 * api/messages/<id>/exchange/) and "View code" (the form's turn as curl, Python, manage.py chat and a call
 * to ModelDesk's /v1, from api/code/). Both are <dialog> elements of the page, filled with text only.
 */
import { copyText, getJson, postJson, urlWith } from "./dom.js";
import { t } from "./i18n.js";
import { setupTabs } from "./tabs.js";

function asText(value) {
  if (value === null || value === undefined) return "";
  return typeof value === "string" ? value : JSON.stringify(value, null, 2);
}

function setupClose(dialog) {
  dialog.querySelectorAll("[data-dialog-close]").forEach((button) => {
    button.addEventListener("click", () => dialog.close());
  });
  // A click on the backdrop (outside the dialog's box) closes it too.
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog) dialog.close();
  });
}

export function createInspector(exchangeUrl) {
  const dialog = document.getElementById("pg-inspector");
  if (!dialog) return { open() {} };
  setupClose(dialog);
  const part = (name) => dialog.querySelector('[data-inspector="' + name + '"]');

  function fill(exchange) {
    const request = exchange.request || {};
    const response = exchange.response || {};
    part("method").textContent = request.method || "";
    part("url").textContent = request.url || "";
    part("request-headers").textContent = asText(request.headers);
    part("request-body").textContent = asText(request.body);
    part("status").textContent = response.status ? String(response.status) : "";
    part("response-headers").textContent = asText(response.headers);
    part("response-headers").previousElementSibling.hidden = !response.headers;
    part("response-headers").hidden = !response.headers;
    part("response-body").textContent = asText(response.body);
  }

  async function open(messageId) {
    part("hint").hidden = true;
    part("body").hidden = true;
    if (!dialog.open) dialog.showModal();
    const found = messageId ? await getJson(urlWith(exchangeUrl, messageId)).catch(() => ({ ok: false })) : { ok: false };
    const exchange = found.ok && found.payload ? found.payload.exchange : null;
    if (exchange) fill(exchange);
    part("body").hidden = !exchange;
    part("hint").hidden = !!exchange;
  }

  return { open };
}

export function setupCode(form, codeUrl, csrfToken) {
  const dialog = document.getElementById("pg-code");
  const button = document.getElementById("pg-code-open");
  if (!dialog || !button || !codeUrl) return;
  setupClose(dialog);
  const part = (name) => dialog.querySelector('[data-code="' + name + '"]');
  const snippets = { curl: "", python: "", command: "", gateway: "" };
  // The provider's secrets for curl, Python and manage.py chat; ModelDesk's API key for the /v1 tab.
  const envs = { provider: null, gateway: null };
  let current = null;
  function showEnv(tab) {
    current = tab || current;
    const gateway = current && current.id === "pg-tab-gateway";
    const env = gateway ? envs.gateway : envs.provider;
    part("env").textContent = env === null ? "" : env.length ? env.join(", ") : t("noEnv");
  }
  const select = setupTabs(Array.from(dialog.querySelectorAll('[role="tab"]')), showEnv);

  dialog.querySelectorAll("[data-copy]").forEach((copy) => {
    copy.addEventListener("click", () => {
      const text = snippets[copy.getAttribute("data-copy")];
      if (!text) return;
      copyText(text).then((ok) => {
        copy.textContent = ok ? t("copied") : t("copyManual");
        setTimeout(() => {
          copy.textContent = t("copy");
        }, 2000);
      });
    });
  });

  function show(payload) {
    Object.keys(snippets).forEach((name) => {
      snippets[name] = payload ? String(payload[name] || "") : "";
      part(name).textContent = snippets[name];
    });
    envs.provider = payload && Array.isArray(payload.env) ? payload.env : [];
    envs.gateway = payload && Array.isArray(payload.gateway_env) ? payload.gateway_env : [];
    showEnv(null);
  }

  function showError(message) {
    part("error").textContent = message;
    part("error").hidden = !message;
  }

  button.addEventListener("click", async () => {
    show(null);
    showError("");
    part("curl").textContent = t("codeLoading");
    select(dialog.querySelector('[role="tab"]'), false);
    dialog.showModal();
    const data = new FormData(form);
    data.delete("image");
    if (!String(data.get("message") || "").trim()) data.set("message", t("codeSample"));
    const answer = await postJson(codeUrl, data, csrfToken()).catch(() => ({ ok: false, payload: null }));
    if (answer.ok) return show(answer.payload);
    show(null);
    const payload = answer.payload || {};
    const errors = payload.errors ? Object.values(payload.errors).flat().join(" ") : "";
    showError((payload.error && payload.error.message) || errors || t("httpError", { status: answer.status || 0 }));
  });
}
