/**
 * The output panel: an alert for a failed call, usage badges, and two tabs, the rendered reply (under its
 * collapsible thinking, with a note when it did not end normally) and the JSON output (with a copy button).
 */
import { make } from "./dom.js";
import { formatNumber, t } from "./i18n.js";
import { renderMarkdown } from "./markdown.js";

function placeholder(name, show) {
  const node = document.querySelector('[data-placeholder="' + name + '"]');
  if (node) node.hidden = !show;
}

/** Tabs with the keyboard behaviour of the WAI-ARIA tabs pattern; returns select(tab, focus). */
function setupTabs(tabs) {
  function select(selected, focus) {
    tabs.forEach((tab) => {
      const on = tab === selected;
      tab.setAttribute("aria-selected", on ? "true" : "false");
      tab.tabIndex = on ? 0 : -1;
      const panel = document.getElementById(tab.getAttribute("aria-controls"));
      if (panel) panel.hidden = !on;
    });
    if (focus) selected.focus();
  }

  const KEYS = {
    ArrowRight: (index) => (index + 1) % tabs.length,
    ArrowLeft: (index) => (index - 1 + tabs.length) % tabs.length,
    Home: () => 0,
    End: () => tabs.length - 1,
  };
  tabs.forEach((tab, index) => {
    tab.addEventListener("click", () => select(tab, false));
    tab.addEventListener("keydown", (event) => {
      if (!Object.prototype.hasOwnProperty.call(KEYS, event.key)) return;
      event.preventDefault();
      select(tabs[KEYS[event.key](index)], true);
    });
  });
  return select;
}

/** The copy button copies the JSON; where the clipboard API is refused, the text is selected for Ctrl+C. */
function setupCopy(button, source, status) {
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

function total(list, key) {
  let sum = null;
  list.forEach((item) => {
    const n = item && item.usage ? item.usage[key] : null;
    if (typeof n === "number") sum = (sum || 0) + n;
  });
  return sum;
}

export function createOutput() {
  const panel = document.getElementById("pg-output");
  const errorBox = document.getElementById("pg-error");
  const usage = document.getElementById("pg-usage");
  const reply = document.getElementById("pg-reply");
  const thinking = document.getElementById("pg-thinking");
  const finish = document.getElementById("pg-finish");
  const jsonBox = document.getElementById("pg-json");
  const copyButton = document.getElementById("pg-copy");
  const tabReply = document.getElementById("pg-tab-reply");
  const selectTab = setupTabs([tabReply, document.getElementById("pg-tab-json")].filter(Boolean));
  setupCopy(copyButton, jsonBox, document.getElementById("pg-copy-status"));

  function setBusy(busy) {
    if (panel) panel.classList.toggle("is-streaming", busy);
    if (reply) reply.setAttribute("aria-busy", busy ? "true" : "false");
  }

  /** The error message, and its type (e.g. provider_unavailable) when the server named one. */
  function showAlert(message, type) {
    if (!errorBox) return;
    errorBox.textContent = "";
    errorBox.appendChild(make("span", "pg-alert-text", message));
    if (type) errorBox.appendChild(make("code", "pg-alert-type", type));
    errorBox.hidden = false;
  }

  function setReply(text) {
    if (!reply) return;
    renderMarkdown(reply, text);
    placeholder("reply", !text && !(thinking && !thinking.hidden));
  }

  /** The reply's thinking as plain text in its collapsible block; ``open``, when given, opens or folds it. */
  function setThinking(text, open) {
    if (!thinking) return;
    thinking.querySelector(".pg-thinking-body").textContent = text || "";
    thinking.hidden = !text;
    if (typeof open === "boolean") thinking.open = open;
    if (text) placeholder("reply", false);
  }

  function setFinish(note) {
    if (!finish) return;
    finish.textContent = note || "";
    finish.hidden = !note;
  }

  function setJson(value) {
    if (!jsonBox) return;
    jsonBox.textContent = value === undefined ? "" : JSON.stringify(value, null, 2);
    placeholder("json", !jsonBox.textContent);
    if (copyButton) copyButton.disabled = !jsonBox.textContent;
  }

  /**
   * Shows the badge ``key`` with ``value``, or hides it when there is none; returns whether it shows. An
   * ``estimated`` number (counted by ModelDesk, not reported by the provider) is marked "≈".
   */
  function setBadge(key, value, estimated) {
    const badge = usage && usage.querySelector('[data-badge="' + key + '"]');
    if (!badge) return false;
    const present = value !== null && value !== undefined && value !== "";
    badge.hidden = !present;
    if (present) {
      const text = typeof value === "number" ? formatNumber(value) : String(value);
      badge.querySelector(".pg-badge-value").textContent = estimated ? "≈\u2009" + text : text;
    }
    badge.classList.toggle("is-estimated", !!estimated);
    if (estimated) badge.title = t("estimated");
    else badge.removeAttribute("title");
    return present;
  }

  /** "0.000018 USD": the amount without trailing zeros (at least two decimals), and its currency. */
  function formatCost(cost) {
    const [whole, fraction = ""] = String(cost.amount).split(".");
    const digits = fraction.replace(/0+$/, "").padEnd(2, "0");
    return whole + "." + digits + "\u2009" + cost.currency;
  }

  /** Badges for a run's output items: tokens summed over them, the rest from the first. */
  function setBadges(list) {
    if (!usage) return;
    const first = list[0] || {};
    const model = first.model ? (first.provider ? first.provider + " · " : "") + first.model : null;
    const estimated = list.some((item) => !!(item && item.usage && item.usage.estimated));
    const shown = [
      setBadge("input_tokens", total(list, "input_tokens"), estimated),
      setBadge("output_tokens", total(list, "output_tokens"), estimated),
      setBadge("latency_ms", first.latency_ms),
      setBadge("attempts", first.attempts),
      setBadge("cost", first.cost ? formatCost(first.cost) : null),
      setBadge("history_rounds_loaded", first.history_rounds_loaded),
      setBadge("model", model),
    ];
    usage.hidden = shown.indexOf(true) === -1;
  }

  function reset() {
    if (errorBox) {
      errorBox.hidden = true;
      errorBox.textContent = "";
    }
    if (usage) usage.hidden = true;
    setThinking("", false);
    setFinish("");
    setReply("");
    setJson(undefined);
    if (tabReply) selectTab(tabReply, false);
  }

  return { setBusy, showAlert, setReply, setThinking, setFinish, setJson, setBadges, reset };
}
