"""The retry policy for provider calls, after the official OpenAI and Anthropic SDKs.

Retry 408, 409, 429 and every 5xx, plus connect errors and timeouts; never any other 4xx. Back off
exponentially with jitter (0.5 s doubling to 8 s, times a factor in (0.75, 1]); honour ``retry-after-ms`` and
``retry-after`` (seconds or an HTTP date) up to a cap, and do not retry at all when the server asks for longer
than the cap. A response header ``x-should-retry: true|false`` overrides the status rules, as in the SDKs.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from django.conf import settings

RETRYABLE_STATUSES = frozenset({408, 409, 429})


def status_is_retryable(status: int, headers: Mapping[str, str] | None = None) -> bool:
    should = (headers or {}).get("x-should-retry", "").lower()
    if should in {"true", "false"}:
        return should == "true"
    return status in RETRYABLE_STATUSES or status >= 500


def parse_retry_after(headers: Mapping[str, str], *, now: Callable[[], float] = time.time) -> float | None:
    """Seconds the server asked us to wait, or None when it did not say (or said something unparsable)."""
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        try:
            return float(raw_ms) / 1000
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(raw).timestamp() - now()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    deadline: float
    initial_delay: float = 0.5
    max_delay: float = 8.0
    retry_after_cap: float = 60.0
    first_token_timeout: float = 120.0  # a stream's first token (keep-alive comments do not count)
    idle_timeout: float = 60.0  # between a stream's events, once the first token is in
    # False for self-hosted servers: a timed-out attempt may still be generating there, and a retry would queue
    # behind it (llama.cpp-style servers serve one request at a time).
    retry_timeouts: bool = True

    @classmethod
    def from_settings(
        cls, *, max_attempts: int | None = None, deadline: float | None = None, retry_timeouts: bool = True
    ) -> RetryPolicy:
        return cls(
            retry_timeouts=retry_timeouts,
            first_token_timeout=settings.PROVIDER_STREAM_FIRST_TOKEN_TIMEOUT,
            idle_timeout=settings.PROVIDER_STREAM_IDLE_TIMEOUT,
            max_attempts=max(1, max_attempts if max_attempts is not None else settings.PROVIDER_MAX_ATTEMPTS),
            deadline=deadline if deadline is not None else settings.PROVIDER_DEADLINE_SECONDS,
            initial_delay=settings.PROVIDER_RETRY_INITIAL_DELAY,
            max_delay=settings.PROVIDER_RETRY_MAX_DELAY,
            retry_after_cap=settings.PROVIDER_RETRY_AFTER_CAP,
        )

    def delay(
        self, retries_taken: int, retry_after: float | None = None, *, rand: Callable[[], float] = random.random
    ) -> float | None:
        """Seconds to wait before the next attempt, or None when the server's wait exceeds the cap."""
        if retry_after is not None and retry_after > self.retry_after_cap:
            return None
        if retry_after is not None and retry_after > 0:
            return retry_after
        backoff = min(self.initial_delay * 2**retries_taken, self.max_delay)
        return backoff * (1 - 0.25 * rand())
