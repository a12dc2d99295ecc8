/**
 * One compare column (a model's header, with its state, its own Stop while it streams and its parameters, over
 * its thread of turns) and one turn in it: the user's message (shown
 * once there is more than one turn), the collapsible thinking, the reply rendered as Markdown while it grows,
 * then how it ended: badges (latency, first token, tokens, speed, cost), a finish note, or the error.
 *
 * Markup comes from the <template> elements of templates/playground/compare.html.
 */
import { fromTemplate } from "./dom.js";
import { finishNote } from "./finish.js";
import { formatNumber, t } from "./i18n.js";
import { renderMarkdown } from "./markdown.js";

// How a reply ended, in a word or two (the playground's badge words); finish.js words the note for an early end.
const FINISH_LABELS = { stop: "finishStop", length: "finishLengthShort", content_filter: "finishFilterShort", tool_calls: "finishToolsShort" };

function finishLabel(reason) {
  if (!reason || typeof reason !== "string") return "";
  return Object.prototype.hasOwnProperty.call(FINISH_LABELS, reason) ? t(FINISH_LABELS[reason]) : reason;
}

const STATE_TEXT = {
  waiting: "stateWaiting",
  streaming: "stateStreaming",
  done: "stateDone",
  failed: "stateFailed",
  stopped: "stateStopped",
};

/** A new column for ``info`` ({credential, model} of the ``start`` event), not yet in the page; ``onStop`` is
 * what its own Stop button does. */
export function createColumn(info, onStop) {
  const node = fromTemplate("pg-compare-column-template");
  node.querySelector(".pg-compare-model").textContent = info.model || "";
  node.querySelector(".pg-compare-credential").textContent = info.credential || "";
  const stop = node.querySelector(".pg-compare-column-stop");
  stop.setAttribute("aria-label", t("stopColumn", { model: info.model || "" }));
  stop.addEventListener("click", onStop);
  const head = node.querySelector(".pg-compare-column-head");
  const column = { node, head, stop, thread: node.querySelector(".pg-compare-thread"), turn: null };
  setColumnState(column, "waiting");
  return column;
}

/** waiting → streaming → done | failed | stopped, as a data attribute (for CSS and tests) and in words; the
 * column's own Stop shows while it has yet to end. */
export function setColumnState(column, state) {
  column.node.setAttribute("data-state", state);
  column.node.querySelector(".pg-compare-column-state").textContent = t(STATE_TEXT[state]);
  column.stop.hidden = state !== "waiting" && state !== "streaming";
  if (column.turn) column.turn.reply.setAttribute("aria-busy", state === "streaming" || state === "waiting" ? "true" : "false");
}

/** A new turn at the end of the column's thread; ``asked`` is shown above it when the thread has earlier turns. */
export function addTurn(column, asked) {
  const node = fromTemplate("pg-compare-turn-template");
  const question = node.querySelector(".pg-compare-asked");
  question.querySelector(".pg-compare-asked-text").textContent = asked;
  question.hidden = !column.thread.children.length;
  column.thread.appendChild(node);
  column.turn = {
    node,
    reply: node.querySelector(".pg-compare-reply"),
    thinking: node.querySelector(".pg-compare-thinking"),
    text: "",
    reasoning: "",
    frame: 0,
  };
  return column.turn;
}

function showThinking(turn, text) {
  turn.thinking.querySelector(".pg-compare-thinking-body").textContent = text;
  if (!text) return;
  if (turn.thinking.hidden) turn.thinking.open = true; // open while it thinks, folded once the answer starts
  turn.thinking.hidden = false;
}

/** Renders what the turn has so far, at most once per animation frame however fast the pieces come. */
export function schedule(turn) {
  if (turn.frame) return;
  turn.frame = window.requestAnimationFrame(() => {
    turn.frame = 0;
    render(turn);
  });
}

function render(turn) {
  const answering = !!turn.text && !turn.answering;
  showThinking(turn, turn.reasoning);
  renderMarkdown(turn.reply, turn.text);
  if (answering) {
    turn.answering = true;
    turn.thinking.open = false;
  }
}

function flush(turn) {
  if (turn.frame) window.cancelAnimationFrame(turn.frame);
  turn.frame = 0;
  render(turn);
}

function setBadge(list, key, text, title) {
  const badge = list.querySelector('[data-badge="' + key + '"]');
  const present = text !== null && text !== undefined && text !== "";
  badge.hidden = !present;
  if (present) badge.querySelector(".pg-compare-badge-value").textContent = text;
  if (title) badge.title = title;
  return present;
}

function count(value, estimated) {
  if (typeof value !== "number") return null;
  return (estimated ? "≈\u2009" : "") + formatNumber(value);
}

/** Output tokens per second of generation (after the first token), when both numbers are known. */
function speed(output) {
  const tokens = output.usage && output.usage.output_tokens;
  const latency = output.latency_ms;
  if (typeof tokens !== "number" || !tokens || typeof latency !== "number") return null;
  const start = typeof output.ttft_ms === "number" && output.ttft_ms < latency ? output.ttft_ms : 0;
  const seconds = (latency - start) / 1000;
  if (seconds <= 0) return null;
  const rate = tokens / seconds;
  return t("perSecond", { value: formatNumber(Math.round(rate * 10) / 10) });
}

/** "0.000018 USD": the amount without trailing zeros (at least two decimals), and its currency. */
function formatCost(cost) {
  const [whole, fraction = ""] = String(cost.amount).split(".");
  return whole + "." + fraction.replace(/0+$/, "").padEnd(2, "0") + "\u2009" + cost.currency;
}

function showBadges(turn, output) {
  const list = turn.node.querySelector(".pg-compare-badges");
  const usage = output.usage || {};
  const estimated = !!usage.estimated;
  const ms = (value) => (typeof value === "number" ? t("ms", { value: formatNumber(value) }) : null);
  const shown = [
    setBadge(list, "latency", ms(output.latency_ms)),
    setBadge(list, "ttft", ms(output.ttft_ms)),
    setBadge(list, "input_tokens", count(usage.input_tokens, estimated), estimated ? t("estimated") : ""),
    setBadge(list, "output_tokens", count(usage.output_tokens, estimated), estimated ? t("estimated") : ""),
    setBadge(list, "speed", speed(output)),
    setBadge(list, "cost", output.cost ? formatCost(output.cost) : null),
    setBadge(list, "finish", finishLabel(output.finish_reason)),
  ];
  list.hidden = shown.indexOf(true) === -1;
}

function setNote(turn, note) {
  const slot = turn.node.querySelector(".pg-compare-finish");
  slot.textContent = note || "";
  slot.hidden = !note;
}

/** The column's answer came whole (the ``done`` event's output): the final text, badges and finish note. */
export function finishTurn(column, output) {
  const turn = column.turn;
  turn.text = typeof output.content === "string" ? output.content : turn.text;
  turn.reasoning = typeof output.reasoning === "string" ? output.reasoning : turn.reasoning;
  flush(turn);
  showBadges(turn, output);
  setNote(turn, finishNote(output.finish_reason));
  column.node.setAttribute("data-latency-ms", String(output.latency_ms || 0));
  setColumnState(column, "done");
}

/** The column failed: its error message (already in the page's language) under whatever text came first. */
export function failTurn(column, error) {
  const turn = column.turn;
  flush(turn);
  const box = turn.node.querySelector(".pg-compare-error");
  box.querySelector(".pg-compare-error-text").textContent = (error && error.message) || t("unexpected");
  box.querySelector(".pg-compare-error-type").textContent = (error && error.type) || "";
  box.hidden = false;
  if (!turn.text) turn.reply.hidden = true;
  setColumnState(column, "failed");
}

/** The reader stopped the run or this column (or the connection closed): the partial reply stays, marked so. */
export function stopTurn(column, note) {
  flush(column.turn);
  setNote(column.turn, note);
  setColumnState(column, "stopped");
}
