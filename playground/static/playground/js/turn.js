/**
 * One turn: the form is posted to the stream endpoint (or to regenerate / edit, which answer the same way), and
 * its server-sent events (start, reasoning, delta, done or error; see playground/services.py) fill the
 * transcript, the JSON output and the conversation list as they arrive. A reasoning model's thinking shows in an
 * open "Thinking" block until the answer starts, then folds away; it is never part of the reply.
 *
 * One request is in flight at a time: Stop (or Esc) aborts it; the server keeps the part received as a reply
 * marked stopped, and the page shows it so at once.
 */
import { setBadges } from "./badges.js";
import { finishNote } from "./finish.js";
import { t } from "./i18n.js";
import { readEvents } from "./sse.js";
import {
  markFailed,
  markFallback,
  markStopped,
  setFinish,
  setModel,
  setPending,
  setText,
  setThinking,
} from "./transcript.js";

/** The user's message as the model got it (variables filled in): the last user entry of the history. */
function sentMessage(first) {
  const history = first && Array.isArray(first.history) ? first.history : [];
  for (let i = history.length - 1; i >= 0; i--) {
    if (history[i] && history[i].role === "user" && typeof history[i].content === "string") return history[i].content;
  }
  return null;
}

const hasOutput = (result) => !!result && (!Array.isArray(result) || result.length > 0);

export function createTurns({ form, streamUrl, composer, transcript, output, conversations, onEnd }) {
  let controller = null;

  /** The run's output (a list of items, or one): the reply, the JSON, the badges; ``fallback`` if not the model's. */
  function showResult(turn, result, fallback) {
    const list = Array.isArray(result) ? result : [result];
    const first = list[0] || {};
    const content = list.map((item) => (item && typeof item.content === "string" ? item.content : "")).join("\n\n");
    const reasoning = typeof first.reasoning === "string" ? first.reasoning : turn.reasoning;
    const note = fallback ? "" : finishNote(first.finish_reason);
    // A reply that came whole (or within one frame) never showed its answer phase: fold its thinking now. One that
    // streamed has folded it already, and the reader may have opened it again since.
    const fold = content && turn.phase !== "answer" ? false : undefined;
    turn.phase = content ? "answer" : turn.phase;
    thinkingEnds(turn);
    turn.text = content;
    output.setJson(result);
    if (turn.assistant) {
      setBadges(turn.assistant, list, fallback);
      setPending(turn.assistant, false);
      setThinking(turn.assistant, reasoning, fold, turn.thinkingSeconds);
      setText(turn.assistant, content);
      setFinish(turn.assistant, note);
      setModel(turn.assistant, first.model);
      if (fallback) markFallback(turn.assistant);
    }
    const sent = sentMessage(first);
    if (sent !== null && turn.user) setText(turn.user, sent);
    if (sent !== null) conversations.retitle(turn.sidebar, sent);
    transcript.scroll(false);
  }

  function finishWithError(turn, error, result) {
    turn.finished = true;
    const message = (error && error.message) || t("unexpected");
    output.showAlert(message, error && error.type);
    if (turn.user) markFailed(turn.user, message);
    if (hasOutput(result)) {
      showResult(turn, result, true);
    } else {
      if (turn.assistant) turn.assistant.remove();
      turn.assistant = null;
    }
    composer.setState("error");
  }

  /** The thinking block opens when thinking starts and folds once the answer does; the reader may reopen it. */
  function thinkingOpen(turn) {
    const phase = turn.text ? "answer" : turn.reasoning ? "thinking" : "";
    const changed = phase !== turn.phase;
    turn.phase = phase;
    return changed ? phase === "thinking" : undefined;
  }

  /** The thinking took from its first piece to the answer's first (or to the end of a reply without one). */
  function thinkingEnds(turn) {
    if (turn.thinkingFrom && turn.thinkingSeconds === null) {
      turn.thinkingSeconds = Math.round((Date.now() - turn.thinkingFrom) / 100) / 10;
    }
  }

  function renderPartial(turn) {
    const follow = transcript.following();
    const open = thinkingOpen(turn);
    if (turn.text) composer.streaming();
    if (turn.assistant) {
      setPending(turn.assistant, !turn.text);
      setThinking(turn.assistant, turn.reasoning, open, turn.thinkingSeconds);
      setText(turn.assistant, turn.text);
    }
    if (follow) transcript.scroll(true);
  }

  /** Re-render the whole reply at most once per frame, however fast the pieces arrive. */
  function schedule(turn) {
    if (turn.frame) return;
    turn.frame = window.requestAnimationFrame(() => {
      turn.frame = 0;
      renderPartial(turn);
    });
  }

  function cancelFrame(turn) {
    if (!turn.frame) return;
    window.cancelAnimationFrame(turn.frame);
    turn.frame = 0;
  }

  /** The stored messages' ids, as the server's markup has them (``data-id``), for their actions. */
  function markIds(turn, ids) {
    if (!ids) return;
    if (turn.user && ids.user) turn.user.setAttribute("data-id", String(ids.user));
    if (turn.assistant && ids.assistant) turn.assistant.setAttribute("data-id", String(ids.assistant));
  }

  function handleEvent(turn, name, data) {
    if (name === "start") {
      conversations.show(data.conversation, turn);
    } else if (name === "reasoning") {
      if (!turn.thinkingFrom) turn.thinkingFrom = Date.now();
      turn.reasoning += typeof data.reasoning === "string" ? data.reasoning : "";
      schedule(turn);
    } else if (name === "delta") {
      thinkingEnds(turn);
      turn.text += typeof data.content === "string" ? data.content : "";
      schedule(turn);
    } else if (name === "done") {
      cancelFrame(turn);
      turn.finished = true;
      markIds(turn, data.ids);
      conversations.show(data.conversation, turn);
      showResult(turn, data.output || [], false);
      if (!turn.resend) composer.clearMessage();
      composer.setState("done");
    } else if (name === "stopped") {
      // A newer turn of this conversation (another tab) took over: this one keeps its part, marked stopped.
      markIds(turn, data.ids);
      finishStopped(turn);
    } else if (name === "error") {
      cancelFrame(turn);
      markIds(turn, data.ids);
      renderPartial(turn);
      conversations.show(data.conversation, turn);
      output.setJson(hasOutput(data.output) ? data.output : data);
      finishWithError(turn, data.error || {}, data.output);
    }
  }

  function requestFailed(message) {
    output.showAlert(message);
    composer.setState("error");
  }

  /** A refused request: field errors (400) next to their fields, anything else as one message. */
  async function refused(response, type) {
    const payload = type.indexOf("json") !== -1 ? await response.json().catch(() => null) : null;
    if (response.status === 400 && payload && payload.errors) {
      composer.showErrors(payload.errors);
      requestFailed(t("fixFields"));
      return;
    }
    const error = payload && payload.error;
    requestFailed((error && error.message) || t("httpError", { status: response.status }));
  }

  /** The turn's messages: a new exchange at the end, or (``resend``) the given user message and a new reply. */
  function startTurn(text, resend) {
    const turn = {
      message: text,
      resend: !!resend,
      text: "",
      reasoning: "",
      phase: "",
      thinkingFrom: 0,
      thinkingSeconds: null,
      finished: false,
      frame: 0,
      conversation: conversations.current(),
      sidebar: null,
      sidebarDone: !!resend,
      user: resend ? resend.user : transcript.append("user", text),
      assistant: null,
    };
    if (!resend && turn.user) composer.previewAttachments(turn.user.querySelector(".pg-msg-images"));
    turn.assistant = transcript.append("assistant", "");
    return turn;
  }

  /** Stopped by the reader: the part received stays, marked stopped, as the server keeps it. */
  function finishStopped(turn) {
    turn.finished = true;
    cancelFrame(turn);
    renderPartial(turn);
    if (turn.assistant) {
      setPending(turn.assistant, false);
      markStopped(turn.assistant);
    }
    // The server has the message (it answered); sending it again would be a second turn.
    if (!turn.resend) composer.clearMessage();
    composer.setState("stopped");
  }

  async function stream(response, turn, signal) {
    setPending(turn.assistant, true);
    const handle = (name, payload) => {
      try {
        handleEvent(turn, name, payload);
      } catch (error) {
        window.console.error(error);
      }
    };
    try {
      await readEvents(response.body, handle);
    } catch (e) {
      // A broken connection ends the turn like one that closes early; an aborted one was stopped.
    }
    if (!turn.finished && signal.aborted) finishStopped(turn);
    if (!turn.finished) {
      cancelFrame(turn);
      renderPartial(turn);
      finishWithError(turn, { message: t("incomplete") }, null);
    }
  }

  /**
   * Posts ``data`` to ``url`` and streams the answer into the transcript. ``resend`` ({user}) answers a message
   * already on the page (regenerate, edit) instead of adding the composer's.
   */
  async function run(url, data, text, resend) {
    if (composer.isBusy()) return;
    composer.clearErrors();
    output.reset();
    composer.setState("streaming");
    controller = new AbortController();
    const signal = controller.signal;
    let turn = null;
    try {
      let response;
      try {
        response = await fetch(url, {
          method: "POST",
          body: data,
          credentials: "same-origin",
          signal,
          headers: { "X-CSRFToken": composer.csrfToken(), Accept: "text/event-stream" },
        });
      } catch (e) {
        if (signal.aborted) composer.setState("stopped");
        else requestFailed(t("networkError"));
        return;
      }
      const type = response.headers.get("Content-Type") || "";
      if (!response.ok) await refused(response, type);
      else if (type.indexOf("text/event-stream") === -1 || !response.body) requestFailed(t("unexpected"));
      else {
        turn = startTurn(text, resend);
        await stream(response, turn, signal);
      }
    } finally {
      controller = null;
      if (composer.state() === "streaming") composer.setState("error");
      composer.refocus();
      if (onEnd) onEnd(turn, resend);
    }
  }

  function send() {
    return run(streamUrl || form.action, new FormData(form), composer.message(), null);
  }

  /** Ends the request in flight at once; the page is usable again as soon as the fetch is aborted. */
  function stop() {
    if (controller) controller.abort();
  }

  return { send, run, stop, isBusy: () => composer.isBusy() };
}
