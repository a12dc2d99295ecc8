"""Live compare: one prompt to two to four models, streamed side by side, all at once.

Each column is resolved and prepared in the caller's thread (so that a configuration error is an immediate
``error`` event), then streamed in a thread of its own; their deltas meet in one queue and leave as one event
stream, each event naming its column. This runs the same with or without a Celery broker: it never waits for one
column to finish before the next one starts. When the reader goes away (Stop, a closed tab), every column still
streaming is stopped at its next delta (a provider's keep-alive counts), and its call is logged as cancelled with
the tokens seen. While every column is silent, a ``tick`` event goes out each ``TICK_SECONDS`` (the endpoint
writes it as an SSE comment): that write is how a reader gone away is noticed.

One column can be stopped while the others go on: the ``start`` event names the ``run``, and
``compare_column_stop`` sets that column's stop, so that it ends at its next delta or keep-alive (within
``TICK_SECONDS``), sends ``stopped`` and is logged as cancelled like any stopped stream. The runs are found in a
registry held in this process's memory, because the column's thread is here and nothing else can reach it: that
is enough for the embedded default (one process), and behind several worker processes a stop that lands in
another process finds nothing and changes nothing (the page's global Stop, which closes the request, still
stops every column wherever it runs).
"""

from __future__ import annotations

import logging
import queue
import threading
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connections
from django.utils import translation

from calls import services as provider_services
from core.errors import InternalError, ModelDeskError
from credentials.models import Credential
from wire.types import Message

from .outputs import cost_json, usage_json

logger = logging.getLogger(__name__)
COLUMNS_MAX = 4
TICK_SECONDS = 0.5
_FINISHED = object()


@dataclass(frozen=True)
class CompareColumn:
    """One column: who answers, with its own parameters and its own earlier turns (for a follow-up message)."""

    credential: Credential
    model: str
    sampling: dict[str, Any] = field(default_factory=dict)  # calls.services.Sampling keyword arguments
    history: tuple[Message, ...] = ()


def _messages(system: str, column: CompareColumn, message: str) -> list[Message]:
    return [*([Message("system", system)] if system else []), *column.history, Message("user", message)]


def _error(column: CompareColumn, error: ModelDeskError) -> dict[str, str]:
    return {
        "type": error.error_type,
        "message": error.user_message(provider_name=column.credential.provider.display_name),
    }


def _output(outcome: provider_services.ChatOutcome) -> dict[str, Any]:
    info = outcome.info
    return {
        "content": outcome.content,
        **({"reasoning": outcome.reasoning} if outcome.reasoning else {}),
        "usage": usage_json(info.usage.input_tokens, info.usage.output_tokens, estimated=info.usage.estimated),
        "model": info.model,
        "provider": info.provider,
        "latency_ms": info.latency_ms,
        "ttft_ms": info.ttft_ms,
        "cost": cost_json(info.cost, info.currency),
        "finish_reason": outcome.finish_reason,
    }


@dataclass(frozen=True)
class _Run:
    """A compare streaming in this process: whose it is, and each column's stop (set: end at the next delta)."""

    user_id: Any
    stops: tuple[threading.Event, ...]


_RUNS: dict[str, _Run] = {}
_RUNS_LOCK = threading.Lock()


def _user_id(user: Any) -> Any:
    return getattr(user, "pk", None)


def compare_column_stop(*, user: Any, run: str, column: int) -> bool:
    """Stops column ``column`` of the compare ``run`` that ``user`` is streaming, the other columns going on.

    False when this process streams no such run for this user (it ended, it is someone else's, or it runs in
    another process: the registry is per process) or has no such column; stopping a column twice is True."""
    with _RUNS_LOCK:
        found = _RUNS.get(run)
    if found is None or found.user_id != _user_id(user) or not 0 <= column < len(found.stops):
        return False
    found.stops[column].set()
    return True


class _Column(threading.Thread):
    """Streams one prepared column into the shared queue; stops at the next delta once ``stop`` is set, and then
    says ``stopped`` (which only a reader still there, whose column alone was stopped, reads)."""

    def __init__(
        self,
        index: int,
        column: CompareColumn,
        stream: provider_services.ChatStream,
        events: queue.Queue[Any],
        stop: threading.Event,
    ) -> None:
        super().__init__(name=f"compare-column-{index}", daemon=True)
        self.index, self.column, self.stream, self.events = index, column, stream, events
        self.stop = stop
        self.language = translation.get_language()  # the reader's: a thread starts with none active

    def run(self) -> None:
        with translation.override(self.language):
            self._stream()

    def _stream(self) -> None:
        deltas = iter(self.stream)
        try:
            for delta in deltas:
                if self.stop.is_set():
                    self.events.put(("stopped", {"column": self.index}))
                    break
                if delta.reasoning:
                    self.events.put(("reasoning", {"column": self.index, "reasoning": delta.reasoning}))
                if delta.content:
                    self.events.put(("delta", {"column": self.index, "content": delta.content}))
            else:
                if self.stream.outcome is not None:
                    self.events.put(("done", {"column": self.index, "output": _output(self.stream.outcome)}))
        except ModelDeskError as error:
            self.events.put(("error", {"column": self.index, "error": _error(self.column, error)}))
        except Exception as exc:  # a bug: the column says so, the others go on
            logger.exception("unexpected error in a compare column")
            self.events.put(("error", {"column": self.index, "error": _error(self.column, InternalError(exc))}))
        finally:
            deltas.close()  # a stopped stream is logged as cancelled, with the tokens seen
            connections.close_all()  # this thread's own database connection
            self.events.put(_FINISHED)


def compare_stream(
    *, user: Any, columns: Sequence[CompareColumn], system: str, message: str, max_attempts: int | None = None
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Events: ``start`` (the ``run`` id and the columns), then ``reasoning`` / ``delta`` / ``done`` / ``error`` /
    ``stopped`` naming their ``column`` as they come, interleaved, and ``tick`` while all are silent; then ``end``.
    While it streams, ``compare_column_stop`` can stop one column of it."""
    columns = columns[:COLUMNS_MAX]
    run = _Run(_user_id(user), tuple(threading.Event() for _ in columns))
    run_id = str(uuid.uuid4())
    with _RUNS_LOCK:
        _RUNS[run_id] = run
    running: list[_Column] = []
    try:
        yield (
            "start",
            {"run": run_id, "columns": [{"credential": c.credential.name, "model": c.model} for c in columns]},
        )
        events: queue.Queue[Any] = queue.Queue()
        for index, column in enumerate(columns):
            try:
                stream = _prepare(user, column, system, message, max_attempts)
            except ModelDeskError as error:
                yield "error", {"column": index, "error": _error(column, error)}
                continue
            running.append(_Column(index, column, stream, events, run.stops[index]))
        for thread in running:
            thread.start()
        yield from _merged(events, len(running))
    finally:  # the reader went away, or every column ended: nobody streams on for nobody
        with _RUNS_LOCK:
            _RUNS.pop(run_id, None)
        for stop in run.stops:
            stop.set()
    yield "end", {}


def _prepare(
    user: Any, column: CompareColumn, system: str, message: str, max_attempts: int | None
) -> provider_services.ChatStream:
    return provider_services.chat_stream(
        messages=_messages(system, column, message),
        credential=column.credential,
        model=column.model,
        max_attempts=max_attempts,
        user=user,
        tick_seconds=TICK_SECONDS,  # a stopped column ends its read at once, even while its model is silent
        **column.sampling,
    )


def _merged(events: queue.Queue[Any], pending: int) -> Iterator[tuple[str, dict[str, Any]]]:
    """The columns' events as they come, until all ``pending`` columns have finished; ``tick`` while all are silent."""
    while pending:
        try:
            event = events.get(timeout=TICK_SECONDS)
        except queue.Empty:  # every column is silent: write a keep-alive, to learn if the reader is still there
            yield "tick", {}
            continue
        if event is _FINISHED:
            pending -= 1
            continue
        yield event
