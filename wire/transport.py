"""Send adapter requests: one attempt, retries, stream reading, and failures mapped to typed errors.

Nothing here knows about models or credentials; ``providers.services`` builds the adapter and records the call.
"""

from __future__ import annotations

import contextlib
import itertools
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from core.errors import BadResponse, ModelDeskError, ProviderError, ProviderUnavailable
from wire import http
from wire.adapters.base import Adapter
from wire.adapters.errors import error_from_response, parse_body
from wire.deadline import Alarm, alarm_for
from wire.exchange import Exchange
from wire.redaction import REDACTED, clean, redactor
from wire.retry import RetryPolicy, parse_retry_after, status_is_retryable
from wire.streaming import ndjson_events, sse_events
from wire.types import ChatDelta, RequestSpec, StreamEvent

T = TypeVar("T")
__all__ = ["REDACTED", "CallStats", "Transport", "redactor"]


@dataclass
class CallStats:
    """Filled in while a call runs, read by the service that records it."""

    attempts: int = 0
    started: float = field(default_factory=time.monotonic)
    first_token_at: float | None = None
    clock: Callable[[], float] = time.monotonic

    def elapsed(self) -> float:
        return self.clock() - self.started

    def elapsed_ms(self) -> int:
        return int(self.elapsed() * 1000)

    def ttft_ms(self) -> int | None:
        return int((self.first_token_at - self.started) * 1000) if self.first_token_at is not None else None


def deadline_error(policy: RetryPolicy) -> ProviderUnavailable:
    return ProviderUnavailable(f"no complete answer within the call's deadline of {policy.deadline:g} s")


# After a stream's last event: how long, and how many lines, its body's end is waited for (``_drain``).
DRAIN_SECONDS = 0.5
DRAIN_LINES = 16


class Limits:
    """The time limits of one attempt, read as ``time.monotonic()``: the call's deadline always; for a stream
    also the first-token limit until the first token, then the idle limit between events.

    An armed ``Alarm`` ends a blocked read when the nearest limit passes; ``check`` is the same test between
    reads, for responses whose socket the alarm cannot reach.
    """

    def __init__(self, policy: RetryPolicy, alarm: Alarm, *, remaining: float, stream: bool) -> None:
        now = time.monotonic()
        self.policy, self.alarm, self.stream = policy, alarm, stream
        self.deadline_at = now + remaining
        self.first_token_by: float | None = now + policy.first_token_timeout if stream else None
        self.idle_by: float | None = None
        self.reached = ""
        self._arm()

    def _nearest(self) -> tuple[float, str]:
        limits = [(self.deadline_at, "deadline")]
        if self.first_token_by is not None:
            limits.append((self.first_token_by, "first_token"))
        if self.idle_by is not None:
            limits.append((self.idle_by, "idle"))
        return min(limits)

    def _arm(self) -> None:
        self.alarm.arm(*self._nearest())

    def first_token(self) -> None:
        self.first_token_by = None
        self.event()

    def event(self) -> None:
        """An event arrived: after the first token, the idle limit starts again."""
        if self.stream and self.first_token_by is None:
            self.idle_by = time.monotonic() + self.policy.idle_timeout
            self._arm()

    def check(self) -> None:
        when, reason = self._nearest()
        if time.monotonic() >= when:
            self.reached = reason
            raise self.error() or BadResponse("a time limit was reached")

    def disarm(self) -> None:
        self.alarm.disarm()

    def error(self) -> ProviderError | None:
        """The error for the limit that was reached, if one was (else the read failed for another reason)."""
        reason = self.alarm.rang or self.reached
        if reason == "deadline":
            return deadline_error(self.policy)
        if reason == "first_token":  # retryable, as every ProviderUnavailable: the next attempt may start sooner
            return ProviderUnavailable(f"no first token within {self.policy.first_token_timeout:g} s")
        if reason == "idle":
            return BadResponse(f"the stream stalled: no event for {self.policy.idle_timeout:g} s")
        return None


class TransportBase:
    """What the synchronous ``Transport`` and the asynchronous ``wire.async_transport.AsyncTransport`` share: the
    policy, the redactor, the stats, the time left, the retry decision and the typed errors; nothing of an HTTP
    library (httpx for one, aiohttp for the other)."""

    def __init__(
        self,
        policy: RetryPolicy,
        *,
        redact: Callable[[str], str] | None = None,
        errors: Callable[..., ProviderError] = error_from_response,
        clock: Callable[[], float] = time.monotonic,
        capture: bool = False,
    ) -> None:
        self.policy = policy
        self.redact: Callable[[str], str] = redact or (lambda text: text)
        self.errors = errors  # the adapter's ``response_error``: it knows its provider's error codes
        self.limits: Limits | None = None
        self.cancelled = False  # ``cancel`` was called: no further attempt
        self.clock = clock
        self.stats = CallStats(started=clock(), clock=clock)
        # Kept only when asked for (the playground's inspector): what was sent and what came back, redacted.
        self.exchange: Exchange | None = Exchange(redact=self.redact) if capture else None

    def _remaining(self) -> float:
        return self.policy.deadline - self.stats.elapsed()

    def _may_send(self) -> None:
        if self._remaining() <= 0:
            raise deadline_error(self.policy)
        if self.cancelled:
            raise ProviderUnavailable("the call was cancelled")

    def _unavailable(self, detail: str, *, timed_out: bool = False) -> ProviderError:
        error = ProviderUnavailable(detail)
        error.retryable = True
        error.timed_out = timed_out
        return error

    def _answered(self, status: int, alarm: Alarm, *, stream: bool) -> None:
        if self.exchange is not None:
            self.exchange.answered(status)
        self.limits = Limits(self.policy, alarm, remaining=self._remaining(), stream=stream)

    def _error_of(self, status: int, headers: Iterable[tuple[str, str]], text: str) -> ProviderError:
        if self.exchange is not None:
            self.exchange.answered(status, text)
        lowered = {k.lower(): v for k, v in headers}
        error = self.errors(status, text, retry_after=parse_retry_after(lowered), redact=self.redact)
        error.retryable = status_is_retryable(status, lowered) and not error.final
        return error

    def _body(self, status: int, text: str) -> Any:
        """A whole answer's decoded JSON body (its text, when it is not JSON but not HTML or broken either)."""
        if self.exchange is not None:
            self.exchange.answered(status, text)
        body = parse_body(text)
        if body is None and text.strip():
            kind = "an HTML page" if text.lstrip().lower().startswith(("<!doctype", "<html")) else "invalid JSON"
            raise BadResponse(f"the server answered with {kind} instead of the expected JSON")
        return body if body is not None else text

    def _retry_delay(self, error: ProviderError) -> float | None:
        if self.cancelled or not error.retryable or self.stats.attempts >= self.policy.max_attempts:
            return None
        if error.timed_out and not self.policy.retry_timeouts:
            return None  # a one-request-at-a-time server is still generating: a retry would queue behind it
        delay = self.policy.delay(self.stats.attempts - 1, error.retry_after)
        if delay is None or self.stats.elapsed() + delay >= self.policy.deadline:
            return None
        return delay

    def _stream_retry_delay(self, error: ProviderError) -> float | None:
        """A stream is tried again only before its first token."""
        return None if self.stats.first_token_at is not None else self._retry_delay(error)

    def _finish(self, error: ProviderError) -> ProviderError:
        error.detail = clean(error.detail, self.redact)
        error.attempts = self.stats.attempts
        error.args = (error.describe(),)
        return error

    @contextlib.contextmanager
    def _typed(self) -> Iterator[None]:
        """Every failure of a call as a typed, redacted error; an adapter that met a shape it did not expect is a
        ``BadResponse``, never a 500."""
        try:
            yield
        except ProviderError as error:
            raise self._finish(error) from None
        except ModelDeskError:
            raise
        except Exception as exc:
            raise self._finish(unexpected_shape(exc)) from None

    def _first_token(self, delta: ChatDelta, limits: Limits) -> None:
        if self.stats.first_token_at is None and (delta.content or delta.reasoning):
            self.stats.first_token_at = self.clock()
            limits.first_token()

    def cancel(self) -> None:
        """End the call from another thread: the read in progress returns at once and no attempt follows."""
        self.cancelled = True
        if self.limits is not None:
            self.limits.alarm.ring_now("cancelled")


class Transport(TransportBase):
    def __init__(
        self,
        policy: RetryPolicy,
        *,
        redact: Callable[[str], str] | None = None,
        errors: Callable[..., ProviderError] = error_from_response,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        client: httpx.Client | None = None,
        capture: bool = False,
    ) -> None:
        super().__init__(policy, redact=redact, errors=errors, clock=clock, capture=capture)
        self.sleep = sleep
        self.client = client or http.sync_client()

    # --- one attempt ------------------------------------------------------------------------------------------
    def _timeout(self) -> httpx.Timeout:
        """The client's timeouts, shortened where the call's deadline is closer."""
        remaining = max(0.1, self.policy.deadline - self.stats.elapsed())
        base = self.client.timeout
        if all(t is not None and t <= remaining for t in (base.connect, base.read, base.write, base.pool)):
            return base
        return httpx.Timeout(
            connect=min(base.connect or remaining, remaining),
            read=min(base.read or remaining, remaining),
            write=min(base.write or remaining, remaining),
            pool=min(base.pool or remaining, remaining),
        )

    def _request(self, spec: RequestSpec) -> httpx.Request:
        request = self.client.build_request(
            spec.method,
            spec.url,
            headers=dict(spec.headers),
            json=spec.json,
            params=spec.params,
            data=spec.data,
            files=spec.files,
            timeout=self._timeout(),
        )
        if self.exchange is not None:
            self.exchange.sent(spec.method, str(request.url), request.headers, spec.json)
        return request

    def _send_failed(self, exc: httpx.TransportError) -> ProviderError:
        """The provider could not be reached (retryable): a timeout or a transport error before the headers."""
        if isinstance(exc, httpx.TimeoutException):
            return self._unavailable("no answer within the timeout", timed_out=True)
        return self._unavailable(f"could not connect ({type(exc).__name__})")

    def _send(self, spec: RequestSpec, *, stream: bool = False) -> httpx.Response:
        """Send and return once the status line and headers are in; the body is read by the caller.

        Errors up to that point mean the provider could not be reached (retryable); errors while reading
        the body mean the answer was cut off or stalled. From the headers on, ``self.limits`` watches the time.
        """
        self._may_send()
        request = self._request(spec)
        try:
            response = http.send(self.client, request, stream=True)
        except httpx.TransportError as exc:
            raise self._send_failed(exc) from None
        self._answered(response.status_code, alarm_for(response.extensions.get("network_stream")), stream=stream)
        assert self.limits is not None
        if response.status_code >= 400:
            raise self._status_error(response, self.limits)
        return response

    def _status_error(self, response: httpx.Response, limits: Limits) -> ProviderError:
        try:
            text = response.read().decode("utf-8", errors="replace")
        except httpx.HTTPError:
            text = ""
        finally:
            limits.disarm()
            response.close()
        return self._error_of(response.status_code, response.headers.items(), text)

    # --- retries ----------------------------------------------------------------------------------------------
    def _retrying(self, attempt: Callable[[], T]) -> T:
        while True:
            self.stats.attempts += 1
            try:
                return attempt()
            except ProviderError as error:
                delay = self._retry_delay(error)
                if delay is None:
                    raise self._finish(error) from None
                self.sleep(delay)

    # --- public -----------------------------------------------------------------------------------------------
    def json(self, spec: RequestSpec) -> Any:
        """Send a request (with retries) and return its decoded JSON body."""

        def attempt() -> Any:
            response = self._send(spec)
            limits = self.limits
            assert limits is not None
            try:
                response.read()
                limits.check()
            except httpx.TimeoutException:
                raise limits.error() or self._unavailable("the answer stalled and timed out", timed_out=True) from None
            except httpx.HTTPError:
                raise limits.error() or BadResponse("the connection closed before the full answer arrived") from None
            finally:
                limits.disarm()
                response.close()
            return self._body(response.status_code, response.text)

        return self._retrying(attempt)

    def call(self, spec: RequestSpec, parse: Callable[[Any], T]) -> T:
        with self._typed():
            return parse(self.json(spec))
        raise AssertionError("unreachable")  # for type checkers: ``_typed`` re-raises

    def chat_stream(self, adapter: Adapter, spec: RequestSpec) -> Iterator[ChatDelta]:
        """Stream deltas. Failures before the first token are retried like any call; after it, never."""
        while True:
            self.stats.attempts += 1
            try:
                yield from self._stream_once(adapter, spec)
                return
            except ProviderError as error:
                delay = None if self.stats.first_token_at is not None else self._retry_delay(error)
                if delay is None:
                    raise self._finish(error) from None
                self.sleep(delay)

    def _stream_once(self, adapter: Adapter, spec: RequestSpec) -> Iterator[ChatDelta]:
        response = self._send(spec, stream=True)
        limits = self.limits
        assert limits is not None
        try:
            lines = _checked(response.iter_lines(), limits)
            if self.exchange is not None:
                lines = self.exchange.lines(lines)
            framing = ndjson_events if adapter.stream_format == "ndjson" else sse_events
            for delta in adapter.chat_deltas(noted(framing(lines), limits)):
                self._first_token(delta, limits)
                yield delta
            _drain(lines, limits)
        except httpx.TimeoutException:
            error = limits.error()
            raise error or BadResponse("the stream stalled and timed out before the reply was complete") from None
        except httpx.HTTPError:
            raise limits.error() or BadResponse("the stream was cut off before the reply was complete") from None
        except ModelDeskError:
            raise
        except Exception as exc:  # an adapter met a shape it did not expect
            raise unexpected_shape(exc) from None
        finally:
            limits.disarm()
            response.close()


def _drain(lines: Iterator[str], limits: Limits) -> None:
    """Read what follows the end of the reply (``[DONE]`` or the last event is not the body's end: the chunked
    body's terminator comes after it), so that httpx returns the connection to its pool instead of closing it:
    the next streamed call then needs no new connection (no TLS handshake, with a real provider). A server that
    keeps the body open longer than ``DRAIN_SECONDS``, or sends more than ``DRAIN_LINES``, only loses the
    connection, as every stream did before."""
    limits.alarm.arm(time.monotonic() + DRAIN_SECONDS, "drain")
    with contextlib.suppress(httpx.HTTPError, ModelDeskError):
        for _line in itertools.islice(lines, DRAIN_LINES):
            pass


def _checked(lines: Iterable[str], limits: Limits) -> Iterator[str]:
    """Lines, with the time limits checked after each (keep-alive comments included)."""
    for line in lines:
        limits.check()
        yield line


def noted(events: Iterable[StreamEvent], limits: Limits) -> Iterator[StreamEvent]:
    for event in events:
        if not event.comment:  # a keep-alive is not an event: a stream of only keep-alives still goes idle
            limits.event()
        yield event


def unexpected_shape(exc: BaseException) -> BadResponse:
    """A provider answer an adapter could not read. Names the Python error's type only: its text may hold data."""
    return BadResponse(f"the answer has a shape ModelDesk cannot read ({type(exc).__name__})")
