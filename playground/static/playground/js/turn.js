/**
 * One turn: the form is posted to the stream endpoint, and its server-sent events (start, reasoning, delta, done
 * or error; see playground/services.py) fill the transcript, the output panel and the conversation list as
 * they arrive. A reasoning model's thinking shows in an open "Thinking" block until the answer starts, then
 * folds away; it is never part of the reply.
 */
import { finishNote } from "./finish.js";
import { t } from "./i18n.js";
import { readEvents } from "./sse.js";
import { markFailed, markFallback, setFinish, setModel, setPending, setText, setThinking } from "./transcript.js";

/** The user's message as the model got it (variables filled in): the last user entry of the history. */
function sentMessage(first) {
  const history = first && Array.isArray(first.history) ? first.history : [];
  for (let i = history.length - 1; i >= 0; i--) {
    if (history[i] && history[i].role === "user" && typeof history[i].content === "string") return history[i].content;
  }
  return null;
}

const hasOutput = (result) => !!result && (!Array.isArray(result) || result.length > 0);

export function createTurns({ form, streamUrl, composer, transcript, output, conversations }) {
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
    turn.text = content;
    output.setThinking(reasoning, fold);
    output.setReply(content);
    output.setFinish(note);
    output.setJson(result);
    output.setBadges(list);
    if (turn.assistant) {
      setPending(turn.assistant, false);
      setThinking(turn.assistant, reasoning, fold);
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

  function renderPartial(turn) {
    const follow = transcript.following();
    const open = thinkingOpen(turn);
    output.setThinking(turn.reasoning, open);
    output.setReply(turn.text);
    if (turn.assistant) {
      setPending(turn.assistant, !turn.text);
      setThinking(turn.assistant, turn.reasoning, open);
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
      turn.reasoning += typeof data.reasoning === "string" ? data.reasoning : "";
      schedule(turn);
    } else if (name === "delta") {
      turn.text += typeof data.content === "string" ? data.content : "";
      schedule(turn);
    } else if (name === "done") {
      cancelFrame(turn);
      turn.finished = true;
      markIds(turn, data.ids);
      conversations.show(data.conversation, turn);
      showResult(turn, data.output || [], false);
      composer.clearMessage();
      composer.setState("done");
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

  async function stream(response, text) {
    const turn = {
      message: text,
      text: "",
      reasoning: "",
      phase: "",
      finished: false,
      frame: 0,
      conversation: conversations.current(),
      sidebar: null,
      sidebarDone: false,
      user: transcript.append("user", text),
      assistant: transcript.append("assistant", ""),
    };
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
      // A broken connection ends the turn like one that closes early.
    }
    if (!turn.finished) {
      cancelFrame(turn);
      renderPartial(turn);
      finishWithError(turn, { message: t("incomplete") }, null);
    }
  }

  async function send() {
    if (composer.isBusy()) return;
    const text = composer.message();
    const data = new FormData(form);
    composer.clearErrors();
    output.reset();
    composer.setState("streaming");
    try {
      let response;
      try {
        response = await fetch(streamUrl || form.action, {
          method: "POST",
          body: data,
          credentials: "same-origin",
          headers: { "X-CSRFToken": composer.csrfToken(), Accept: "text/event-stream" },
        });
      } catch (e) {
        requestFailed(t("networkError"));
        return;
      }
      const type = response.headers.get("Content-Type") || "";
      if (!response.ok) await refused(response, type);
      else if (type.indexOf("text/event-stream") === -1 || !response.body) requestFailed(t("unexpected"));
      else await stream(response, text);
    } finally {
      if (composer.state() === "streaming") composer.setState("error");
      composer.refocus();
    }
  }

  return { send };
}
