/**
 * How a reply ended, in words, when that is not the usual "stop": a reply cut at the token limit must not look
 * complete. Returns "" for a reply that ended normally (or when the server did not say).
 */
import { t } from "./i18n.js";

const NOTES = { length: "finishLength", content_filter: "finishFilter", tool_calls: "finishTools" };

export function finishNote(reason) {
  if (!reason || typeof reason !== "string" || reason === "stop") return "";
  return Object.prototype.hasOwnProperty.call(NOTES, reason) ? t(NOTES[reason]) : t("finishOther", { reason });
}

const LABELS = { stop: "finishStop", length: "finishLengthShort", content_filter: "finishFilterShort", tool_calls: "finishToolsShort" };

/** How a reply ended, in a word or two, for its badge ("Stopped at max tokens"); "" when the server did not say. */
export function finishLabel(reason) {
  if (!reason || typeof reason !== "string") return "";
  return Object.prototype.hasOwnProperty.call(LABELS, reason) ? t(LABELS[reason]) : reason;
}
