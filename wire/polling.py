"""Answers that take a while: send a request, then read the answer again until it is final (Replicate's predictions).

The adapter decides what is final: ``poll_request(body)`` returns the request that reads a pending answer again, or
None once it is final. ``call_until_final`` waits between reads and gives up when its deadline passes. Whatever it
gives up on while the answer is still pending is cancelled where the adapter can (``cancel_request``), so an
abandoned prediction stops running, and costing, upstream.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from core.errors import ModelDeskError, ProviderError, ProviderUnavailable, wait_label
from wire.adapters.base import Adapter
from wire.retry import RetryPolicy
from wire.transport import Transport
from wire.types import RequestSpec

T = TypeVar("T")
CANCEL_SECONDS = 5.0  # the cancel request's own deadline: it is sent after the call's deadline has passed
FAILED_READS = 3  # consecutive retryable failures of a read that are waited out; the prediction runs on meanwhile


@dataclass(frozen=True)
class Pending:
    """An answer that is not final yet, and the request that reads it again."""

    again: RequestSpec
    body: Any = field(repr=False)


def call_until_final(
    transport: Transport,
    adapter: Adapter,
    spec: RequestSpec,
    parse: Callable[[Any], T],
    *,
    deadline_s: float | None = None,
    interval_s: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """Send ``spec``, read the answer again every ``interval_s`` while it is pending, and return ``parse`` of the
    final one. ``deadline_s`` counts from now (None: what is left of the transport's call deadline); when it
    passes, the answer is cancelled where the adapter can and a ``ProviderUnavailable`` says ModelDesk stopped
    waiting. Reads go through ``transport``, so every failure is the typed, redacted error a single call gives.
    """
    started = clock()
    budget = deadline_s if deadline_s is not None else transport.policy.deadline - transport.stats.elapsed()

    def read(body: Any) -> Pending | T:
        again = adapter.poll_request(body)
        return Pending(again, body) if again is not None else parse(body)

    outcome = transport.call(spec, read)
    failures = 0
    while isinstance(outcome, Pending):
        pending = outcome
        left = budget - (clock() - started)
        if left <= 0:
            cancel(transport, adapter, pending.body)
            raise _stopped_waiting(transport, budget)
        sleep(min(interval_s, left))
        try:
            outcome = transport.call(pending.again, read)
            failures = 0
        except ProviderError as error:
            failures += 1
            if not error.retryable or failures >= FAILED_READS:
                cancel(transport, adapter, pending.body)
                raise
    return outcome


def cancel(transport: Transport, adapter: Adapter, body: Any) -> None:
    """Cancel a pending answer, best effort: one attempt with its own short deadline, failures ignored (the error
    the caller raises next says why the call ended)."""
    try:
        spec = adapter.cancel_request(body)
        if spec is not None:
            policy = RetryPolicy(max_attempts=1, deadline=CANCEL_SECONDS)
            Transport(policy, redact=transport.redact, errors=transport.errors, client=transport.client).json(spec)
    except ModelDeskError:
        pass


def _stopped_waiting(transport: Transport, budget: float) -> ProviderUnavailable:
    error = ProviderUnavailable(
        f"no final answer within {wait_label(max(budget, 0.0))}: the provider was still working on it, "
        "and ModelDesk stopped waiting"
    )
    error.attempts = transport.stats.attempts
    return error
