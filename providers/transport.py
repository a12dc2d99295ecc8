"""Send adapter requests: one attempt, retries, stream reading, and failures mapped to typed errors.

Nothing here knows about models or credentials; ``providers.services`` builds the adapter and records the call.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from . import http
from .adapters.base import Adapter
from .adapters.errors import error_from_response, parse_body
from .adapters.streaming import ndjson_events, sse_events
from .adapters.types import ChatDelta, RequestSpec
from .errors import BadResponse, ProviderError, ProviderUnavailable
from .retry import RetryPolicy, parse_retry_after, status_is_retryable

T = TypeVar("T")
REDACTED = "[REDACTED]"


def redactor(secrets: Iterable[str]) -> Callable[[str], str]:
    """A function that replaces every secret value (at least 4 characters long) in a text."""
    values = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def redact(text: str) -> str:
        for value in values:
            text = text.replace(value, REDACTED)
        return text

    return redact


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


class Transport:
    def __init__(
        self,
        policy: RetryPolicy,
        *,
        redact: Callable[[str], str] = lambda text: text,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        client: httpx.Client | None = None,
    ) -> None:
        self.policy = policy
        self.redact = redact
        self.sleep = sleep
        self.clock = clock
        self.client = client or http.sync_client()
        self.stats = CallStats(started=clock(), clock=clock)

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

    def _send(self, spec: RequestSpec) -> httpx.Response:
        """Send and return once the status line and headers are in; the body is read by the caller.

        Errors up to that point mean the provider could not be reached (retryable); errors while reading
        the body mean the answer was cut off or stalled.
        """
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
        try:
            response = http.send(self.client, request, stream=True)
        except httpx.TimeoutException:
            raise self._unavailable("no answer within the timeout") from None
        except httpx.TransportError as exc:
            raise self._unavailable(f"could not connect ({type(exc).__name__})") from None
        if response.status_code >= 400:
            raise self._status_error(response)
        return response

    def _unavailable(self, detail: str) -> ProviderError:
        error = ProviderUnavailable(detail)
        error.retryable = True
        return error

    def _status_error(self, response: httpx.Response) -> ProviderError:
        try:
            text = response.read().decode("utf-8", errors="replace")
        except httpx.HTTPError:
            text = ""
        finally:
            response.close()
        headers = {k.lower(): v for k, v in response.headers.items()}
        error = error_from_response(response.status_code, text, retry_after=parse_retry_after(headers))
        error.retryable = status_is_retryable(response.status_code, headers)
        return error

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

    def _retry_delay(self, error: ProviderError) -> float | None:
        if not error.retryable or self.stats.attempts >= self.policy.max_attempts:
            return None
        delay = self.policy.delay(self.stats.attempts - 1, error.retry_after)
        if delay is None or self.stats.elapsed() + delay >= self.policy.deadline:
            return None
        return delay

    def _finish(self, error: ProviderError) -> ProviderError:
        error.detail = self.redact(error.detail)
        error.attempts = self.stats.attempts
        error.args = (error.describe(),)
        return error

    # --- public -----------------------------------------------------------------------------------------------
    def json(self, spec: RequestSpec) -> Any:
        """Send a request (with retries) and return its decoded JSON body."""

        def attempt() -> Any:
            response = self._send(spec)
            try:
                response.read()
                text = response.text
            except httpx.TimeoutException:
                raise self._unavailable("the answer stalled and timed out") from None
            except httpx.HTTPError:
                raise BadResponse("the connection closed before the full answer arrived") from None
            finally:
                response.close()
            body = parse_body(text)
            if body is None and text.strip():
                kind = "an HTML page" if text.lstrip().lower().startswith(("<!doctype", "<html")) else "invalid JSON"
                raise BadResponse(f"the server answered with {kind} instead of the expected JSON")
            return body if body is not None else text

        return self._retrying(attempt)

    def call(self, spec: RequestSpec, parse: Callable[[Any], T]) -> T:
        try:
            return parse(self.json(spec))
        except ProviderError as error:
            raise self._finish(error) from None

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
        response = self._send(spec)
        try:
            lines = response.iter_lines()
            events = ndjson_events(lines) if adapter.stream_format == "ndjson" else sse_events(lines)
            for delta in adapter.chat_deltas(events):
                if self.stats.first_token_at is None and (delta.content or delta.reasoning):
                    self.stats.first_token_at = self.clock()
                yield delta
        except httpx.TimeoutException:
            raise BadResponse("the stream stalled and timed out before the reply was complete") from None
        except httpx.HTTPError:
            raise BadResponse("the stream was cut off before the reply was complete") from None
        finally:
            response.close()
