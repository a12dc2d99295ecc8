"""The retry policy: which failures are retried, how often, and how long we wait."""

from __future__ import annotations

import time
from email.utils import formatdate

import httpx
import pytest

from core.errors import ProviderError
from wire.retry import RetryPolicy, parse_retry_after, status_is_retryable
from wire.transport import Transport
from wire.types import RequestSpec

POLICY = RetryPolicy(max_attempts=3, deadline=60.0)


class FakeClock:
    """Time that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def run(status: int, headers: dict[str, str] | None = None, *, policy: RetryPolicy = POLICY, succeed_on: int = 0):
    """Send one request through a Transport whose server answers ``status`` until attempt ``succeed_on``."""
    attempts: list[int] = []
    clock = FakeClock()
    sleeps = clock.sleeps

    def handler(request: httpx.Request) -> httpx.Response:
        attempts.append(1)
        if succeed_on and len(attempts) >= succeed_on:
            return httpx.Response(200, json={"ok": True})
        return httpx.Response(status, json={"error": {"message": f"status {status}"}}, headers=headers or {})

    client = httpx.Client(transport=httpx.MockTransport(handler))
    transport = Transport(policy, sleep=clock.sleep, clock=clock, client=client)
    try:
        return transport.json(RequestSpec("GET", "http://provider.test/v1/models")), len(attempts), sleeps
    except ProviderError as error:
        return error, len(attempts), sleeps


@pytest.mark.parametrize(
    "status, retried",
    [
        (400, False),
        (401, False),
        (403, False),
        (404, False),
        (422, False),
        (408, True),
        (409, True),
        (429, True),
        (500, True),
        (502, True),
        (503, True),
        (529, True),
    ],
)
def test_retry_table(status, retried):
    """408, 409, 429 and 5xx are retried up to the attempt limit; other 4xx fail at once."""
    error, attempts, sleeps = run(status)
    assert isinstance(error, ProviderError)
    assert attempts == (3 if retried else 1)
    assert error.attempts == attempts
    assert len(sleeps) == attempts - 1
    # Exponential backoff with jitter in (0.75, 1]: about 0.375-0.5 s, then 0.75-1.0 s.
    for retry, delay in enumerate(sleeps):
        assert 0.5 * 2**retry * 0.75 <= delay <= 0.5 * 2**retry


def test_success_after_retries_counts_attempts():
    body, attempts, sleeps = run(503, succeed_on=3)
    assert body == {"ok": True}
    assert (attempts, len(sleeps)) == (3, 2)


@pytest.mark.parametrize(
    "headers, expected",
    [
        ({"retry-after": "2"}, 2.0),
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after-ms": "1500", "retry-after": "9"}, 1.5),
        ({"retry-after": "0.25"}, 0.25),
    ],
)
def test_retry_after_is_honoured(headers, expected):
    error, attempts, sleeps = run(429, headers)
    assert attempts == 3
    assert sleeps == [expected, expected]
    assert error.retry_after == expected


def test_retry_after_as_http_date():
    when = formatdate(time.time() + 3, usegmt=True)
    seconds = parse_retry_after({"retry-after": when})
    assert seconds is not None and 1.5 < seconds <= 3.0


def test_retry_after_beyond_the_cap_is_not_retried():
    """A server asking for 5 minutes gets an immediate, clear failure instead of a hung request."""
    error, attempts, sleeps = run(429, {"retry-after": "300"})
    assert (attempts, sleeps) == (1, [])
    assert error.error_type == "rate_limited"
    assert error.retry_after == 300


def test_x_should_retry_overrides_the_status():
    assert not status_is_retryable(500, {"x-should-retry": "false"})
    assert status_is_retryable(400, {"x-should-retry": "true"})
    _error, attempts, _ = run(500, {"x-should-retry": "false"})
    assert attempts == 1


def test_max_attempts_is_per_call():
    _error, attempts, _ = run(500, policy=RetryPolicy(max_attempts=5, deadline=60))
    assert attempts == 5
    _error, attempts, _ = run(500, policy=RetryPolicy(max_attempts=1, deadline=60))
    assert attempts == 1


def test_deadline_stops_retries_that_would_overrun_it():
    _error, attempts, sleeps = run(429, {"retry-after": "2"}, policy=RetryPolicy(max_attempts=10, deadline=3))
    assert (attempts, sleeps) == (2, [2.0])


def test_backoff_is_capped():
    policy = RetryPolicy(max_attempts=10, deadline=600)
    assert policy.delay(10, rand=lambda: 0.0) == 8.0
    assert policy.delay(0, rand=lambda: 1.0) == pytest.approx(0.375)


def test_connect_errors_are_retried():
    calls = []

    def handler(request):
        calls.append(1)
        raise httpx.ConnectError("refused")

    sleeps: list[float] = []
    transport = Transport(POLICY, sleep=sleeps.append, client=httpx.Client(transport=httpx.MockTransport(handler)))
    with pytest.raises(ProviderError) as info:
        transport.json(RequestSpec("GET", "http://provider.test/v1/models"))
    assert info.value.error_type == "provider_unavailable"
    assert len(calls) == 3
