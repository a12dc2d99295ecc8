/**
 * One compare run: the message goes to the stream endpoint as JSON ({system, message, columns: [{credential,
 * model, temperature, top_p, max_tokens, history}]}, each column's parameters its own: compare-params.js) and its
 * server-sent events (start, with the run's id; then reasoning, delta, done, error or stopped, each naming its
 * column; then end: see playground/live_compare.py) fill the columns as they come, all at once. Stop (or Esc)
 * aborts the request; the server then stops every column and logs it as cancelled, and the page keeps what each
 * column had written.
 *
 * A column's own Stop ends that column on the page at once (its text stays, marked stopped; what the server
 * still sends for it is ignored) and asks the server to stop its call (POST urls.compare_column_stop), which is
 * then logged as cancelled while the other columns stream on. That request reaches the run only in the process
 * streaming it; when it cannot, the call runs to its end unseen, and the global Stop still ends everything.
 *
 * Follow-ups: each column keeps its own history (the earlier user messages and its own replies, a stopped one as
 * far as it got) and the next message goes to every column with it, as a new turn in the same columns. Changing a
 * slot's credential or model, or "Start over", begins new columns with no history.
 */
import { addTurn, createColumn, failTurn, finishTurn, schedule, setColumnState, stopTurn } from "./compare-column.js";
import { dockParams, lendParams, readParams } from "./compare-params.js";
import { t } from "./i18n.js";
import { readEvents } from "./sse.js";

/** The filled slots in form order, as the server pairs them: [{slot, credential (its pk), model}]. */
export function filledSlots(form) {
  const slots = [];
  for (let slot = 1; form.elements["credential_" + slot]; slot++) {
    const credential = form.elements["credential_" + slot].value;
    const model = (form.elements["model_" + slot].value || "").trim();
    if (credential && model) slots.push({ slot, credential, model });
  }
  return slots;
}

// The run id and column in urls.compare_column_stop as the page gets it, to be replaced by the real ones.
const ZERO_ID = "00000000-0000-0000-0000-000000000000";

function seconds(ms) {
  return (ms / 1000).toFixed(1);
}

/**
 * The run controller: ``start()`` posts the form and resolves when the run is over; ``stop()`` aborts it.
 * ``ui`` is { form, area, status, setBusy(busy), showAlert(message), showErrors(errors), setThread(on),
 * columnStopped(button) }: the form, the columns' container, the status line and what the page does at each step.
 */
export function createRuns(ui) {
  let controller = null;
  let current = null;
  let columns = [];
  let threadKey = "";
  let histories = [];

  function body(message, slots) {
    return JSON.stringify({
      system: ui.form.elements.system.value,
      message,
      columns: slots.map((slot, index) => ({
        credential: slot.credential,
        model: slot.model,
        ...readParams(ui.form, slot.slot),
        history: histories[index] || [],
      })),
    });
  }

  /** The ``start`` event: the same columns again for a follow-up, else new ones (each with its slot's
   * parameters in its header); each gets a new turn. */
  function begin(run, info) {
    const list = Array.isArray(info.columns) ? info.columns : [];
    run.id = typeof info.run === "string" ? info.run : "";
    if (columns.length !== list.length) {
      dockParams();
      ui.area.textContent = "";
      columns = list.map((c, index) => createColumn(c, () => stopColumn(index)));
      columns.forEach((column, index) => {
        ui.area.appendChild(column.node);
        if (run.slots[index]) lendParams(run.slots[index].slot, column.head);
      });
      histories = list.map(() => []);
    }
    ui.area.setAttribute("data-columns", String(columns.length));
    ui.area.removeAttribute("data-empty");
    columns.forEach((column) => {
      addTurn(column, run.message);
      setColumnState(column, "waiting");
    });
    run.open = new Set(columns.map((_, index) => index));
  }

  function remember(run, index, reply) {
    if (!histories[index]) return;
    histories[index].push({ role: "user", content: run.message }, { role: "assistant", content: reply });
  }

  /** An open column ends as stopped; its partial reply stays in its history, as the global Stop keeps it. */
  function endStopped(run, index) {
    run.open.delete(index);
    stopTurn(columns[index], t("stoppedNote"));
    if (columns[index].turn.text) remember(run, index, columns[index].turn.text);
  }

  /** The column's own Stop: ended here at once, and the server asked to stop its call. */
  function stopColumn(index) {
    const run = current;
    if (!run || !run.open || !run.open.has(index)) return;
    endStopped(run, index);
    ui.columnStopped(columns[index].stop);
    if (!run.id) return;
    const url = ui.form
      .getAttribute("data-stop-url")
      .replace(ZERO_ID, encodeURIComponent(run.id))
      .replace(/\/0\/$/, "/" + index + "/");
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": ui.form.elements.csrfmiddlewaretoken.value },
    }).catch(() => undefined); // not reached: the call ends on its own, unseen
  }

  function handle(run, name, data) {
    if (name === "start") return begin(run, data);
    const index = typeof data.column === "number" ? data.column : -1;
    const column = columns[index];
    if (!column || !run.open || !run.open.has(index)) return undefined;
    const turn = column.turn;
    if (name === "reasoning" || name === "delta") {
      if (name === "reasoning") turn.reasoning += typeof data.reasoning === "string" ? data.reasoning : "";
      else turn.text += typeof data.content === "string" ? data.content : "";
      if (column.node.getAttribute("data-state") === "waiting") setColumnState(column, "streaming");
      schedule(turn);
    } else if (name === "done") {
      run.open.delete(index);
      finishTurn(column, data.output || {});
      remember(run, index, turn.text);
    } else if (name === "error") {
      run.open.delete(index);
      failTurn(column, data.error || {});
    } else if (name === "stopped") {
      endStopped(run, index);
    }
    return undefined;
  }

  /** Columns still open when the stream ended: stopped by the reader, or cut off by the connection. */
  function closeOpen(run) {
    if (!run.open) return;
    const note = run.stopped ? t("stoppedNote") : t("incomplete");
    run.open.forEach((index) => {
      stopTurn(columns[index], note);
      if (columns[index].turn.text) remember(run, index, columns[index].turn.text);
    });
    run.open.clear();
  }

  /** The server's field names for this run's columns (``columns.0.model``) as the form's (``model_1``). */
  function formErrors(errors, slots) {
    const found = {};
    const general = [];
    Object.keys(errors).forEach((key) => {
      const match = /^columns\.(\d+)\.(credential|model|temperature|top_p|max_tokens)$/.exec(key);
      const slot = match && slots[Number(match[1])];
      const name = slot ? match[2] + "_" + slot.slot : key;
      if (ui.form.querySelector('[data-errors-for="' + name + '"]')) found[name] = errors[key];
      else general.push(...errors[key]);
    });
    return { found, general };
  }

  async function refused(response, slots) {
    const type = response.headers.get("Content-Type") || "";
    const payload = type.indexOf("json") !== -1 ? await response.json().catch(() => null) : null;
    if (response.status === 400 && payload && payload.errors) {
      const { found, general } = formErrors(payload.errors, slots);
      ui.showErrors(found);
      ui.showAlert(general.length ? general.join(" ") : t("fixFields"));
      return;
    }
    const error = payload && payload.error;
    ui.showAlert((error && error.message) || t("httpError", { status: response.status }));
  }

  async function request(run, slots) {
    let response;
    try {
      response = await fetch(ui.form.getAttribute("data-stream-url"), {
        method: "POST",
        body: body(run.message, slots),
        credentials: "same-origin",
        signal: controller.signal,
        headers: {
          "Content-Type": "application/json",
          Accept: "text/event-stream",
          "X-CSRFToken": ui.form.elements.csrfmiddlewaretoken.value,
        },
      });
    } catch (e) {
      if (!run.stopped) ui.showAlert(t("networkError"));
      return;
    }
    const type = response.headers.get("Content-Type") || "";
    if (!response.ok) return refused(response, slots);
    if (type.indexOf("text/event-stream") === -1 || !response.body) return ui.showAlert(t("unexpected"));
    try {
      await readEvents(response.body, (name, data) => {
        try {
          handle(run, name, data);
        } catch (error) {
          window.console.error(error);
        }
      });
    } catch (e) {
      // An aborted or broken stream ends the run like one that closes early.
    }
    return undefined;
  }

  function tick(run) {
    const elapsed = performance.now() - run.started;
    ui.status.textContent = t("running", { seconds: seconds(elapsed) });
  }

  /** Sends ``message`` to every filled slot; resolves when every column has ended (or the run was stopped). */
  async function start(message) {
    if (controller) return;
    const slots = filledSlots(ui.form);
    if (!slots.length) return;
    const key = JSON.stringify(slots.map((s) => [s.credential, s.model]));
    if (key !== threadKey) {
      threadKey = key;
      histories = slots.map(() => []);
      columns = [];
    }
    controller = new AbortController();
    const run = { message, slots, started: performance.now(), stopped: false, open: null, id: "" };
    current = run;
    ui.form.removeAttribute("data-elapsed-ms");
    ui.setBusy(true);
    tick(run);
    const timer = window.setInterval(() => tick(run), 100);
    try {
      await request(run, slots);
    } finally {
      window.clearInterval(timer);
      closeOpen(run);
      const elapsed = performance.now() - run.started;
      ui.form.setAttribute("data-elapsed-ms", String(Math.round(elapsed)));
      ui.status.textContent = t(run.stopped ? "stoppedAfter" : "finished", { seconds: seconds(elapsed) });
      controller = null;
      current = null;
      ui.setBusy(false);
      ui.setThread(columns.length > 0);
    }
  }

  /** New columns, with no history, at the next run. */
  function reset() {
    if (controller) return;
    threadKey = "";
    histories = [];
    columns = [];
    ui.setThread(false);
  }

  function stop() {
    if (!controller) return false;
    current.stopped = true;
    controller.abort();
    return true;
  }

  return { start, stop, reset, running: () => controller !== null };
}
