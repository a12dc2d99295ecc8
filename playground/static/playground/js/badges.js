/**
 * A reply's badges (the <ul class="pg-msg-badges"> of templates/playground/_message.html): time to first token,
 * tokens per second, tokens in and out, latency, cost and how it ended, from the run's output items.
 */
import { finishLabel } from "./finish.js";
import { formatNumber, t } from "./i18n.js";

function total(list, key) {
  let sum = null;
  list.forEach((item) => {
    const n = item && item.usage ? item.usage[key] : null;
    if (typeof n === "number") sum = (sum || 0) + n;
  });
  return sum;
}

/** "0.000018 USD": the amount without trailing zeros (at least two decimals), and its currency. */
function formatCost(cost) {
  const [whole, fraction = ""] = String(cost.amount).split(".");
  const digits = fraction.replace(/0+$/, "").padEnd(2, "0");
  return whole + "." + digits + "\u2009" + cost.currency;
}

/** Output tokens over the streaming time (latency less the wait for the first token); null when unknown. */
function speed(tokens, latency, ttft) {
  if (typeof tokens !== "number" || typeof latency !== "number" || typeof ttft !== "number") return null;
  const seconds = (latency - ttft) / 1000;
  if (seconds <= 0 || tokens <= 0) return null;
  return Math.round((tokens / seconds) * 10) / 10;
}

function setBadge(list, key, text, title) {
  const badge = list.querySelector('[data-badge="' + key + '"]');
  if (!badge) return false;
  const present = text !== null && text !== undefined && text !== "";
  badge.hidden = !present;
  if (present) badge.querySelector(".pg-badge-value").textContent = text;
  if (title) badge.title = title;
  return present;
}

const ms = (value) => (typeof value === "number" ? t("milliseconds", { ms: formatNumber(value) }) : null);

/** Fills the badges of ``message`` from its output items (``list``); ``fallback``: not the model's output. */
export function setBadges(message, list, fallback) {
  const badges = message.querySelector(".pg-msg-badges");
  if (!badges) return;
  const first = list[0] || {};
  const estimated = list.some((item) => !!(item && item.usage && item.usage.estimated));
  const tokensIn = total(list, "input_tokens");
  const tokensOut = total(list, "output_tokens");
  const approx = estimated ? "≈\u2009" : "";
  const tokens = tokensOut === null ? null : approx + (tokensIn === null ? "–" : formatNumber(tokensIn)) + " → " + formatNumber(tokensOut);
  const rate = speed(tokensOut, first.latency_ms, first.ttft_ms);
  const shown = [
    setBadge(badges, "ttft_ms", ms(first.ttft_ms)),
    setBadge(badges, "speed", rate === null ? null : approx + formatNumber(rate)),
    setBadge(badges, "output_tokens", tokens, estimated ? t("estimated") : null),
    setBadge(badges, "latency_ms", ms(first.latency_ms)),
    setBadge(badges, "cost", first.cost ? formatCost(first.cost) : null),
    setBadge(badges, "finish", fallback ? null : finishLabel(first.finish_reason)),
    // A quota past its warning share (access): "Used 85 of 100 calls (85%); it resets at 00:00 UTC."
    setBadge(badges, "quota", first.warnings && first.warnings.length ? first.warnings.join(" ") : null),
  ];
  const finish = badges.querySelector('[data-badge="finish"]');
  if (finish) finish.classList.toggle("is-warn", !!first.finish_reason && first.finish_reason !== "stop");
  badges.hidden = shown.indexOf(true) === -1;
}
