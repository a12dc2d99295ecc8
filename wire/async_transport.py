"""The asynchronous twin of ``wire.transport.Transport``, for the ASGI fast paths (``playground.fast``).

Same policy, retries, time limits, redaction and typed errors (``TransportBase``), sent with the running loop's
client (``wire.http.async_client``: httpx over aiohttp). Where the synchronous transport has an alarm thread
end a blocked read, here each read waits at most until the nearest limit (``Limits``), and a cancelled task
ends its read at once.

Adapters read a stream with synchronous generators (``chat_deltas`` over ``sse_events`` or ``ndjson_events``).
``LineFeed`` lets them read lines that arrive asynchronously: when it has no line yet it hands them a comment
line, which they answer with a ``TICK`` as they answer a provider's keep-alive; the reader then knows to await
the next line before it asks the adapter again. A keep-alive that really came from the provider reaches the
reader as a ``TICK`` as before.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, TypeVar

import httpx

from core.errors import BadResponse, ModelDeskError, ProviderError
from wire import http
from wire.adapters.base import Adapter
from wire.adapters.errors import error_from_response
from wire.deadline import NoAlarm
from wire.retry import RetryPolicy
from wire.streaming import ndjson_events, sse_events
from wire.transport import DRAIN_LINES, DRAIN_SECONDS, TransportBase, noted, unexpected_shape
from wire.types import ChatDelta, RequestSpec

T = TypeVar("T")
STARVED = ": modeldesk-awaiting-more"  # the comment line ``LineFeed`` hands out while it waits for a line


class LineFeed:
    """Lines pushed as they arrive, read by a synchronous generator: ``STARVED`` (a comment) while none is
    there, then ``starved`` is set, until ``push`` or ``end``."""

    def __init__(self) -> None:
        self.buffer: deque[str] = deque()
        self.ended = False
        self.starved = False

    def push(self, line: str) -> None:
        self.buffer.append(line)

    def end(self) -> None:
        self.ended = True

    def lines(self) -> Iterator[str]:
        while True:
            if self.buffer:
                yield self.buffer.popleft()
            elif self.ended:
                return
            else:
                self.starved = True
                yield STARVED


class AsyncTransport(TransportBase):
    def __init__(
        self,
        policy: RetryPolicy,
        *,
        redact: Callable[[str], str] | None = None,
        errors: Callable[..., ProviderError] = error_from_response,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        client: httpx.AsyncClient | None = None,
        capture: bool = False,
    ) -> None:
        super().__init__(policy, redact=redact, errors=errors, clock=clock, capture=capture)
        self.sleep = sleep
        self._client = client

    @property
    def client(self) -> httpx.AsyncClient:
        """The given client, else the running loop's (taken when the first request is sent, on the loop)."""
        if self._client is None:
            self._client = http.async_client()
        return self._client

    # --- one attempt ------------------------------------------------------------------------------------------
    async def _send(self, spec: RequestSpec, *, stream: bool = False) -> httpx.Response:
        """As ``Transport._send``: back once the status line and headers are in."""
        self._may_send()
        request = self._request(self.client, spec)
        try:
            async with asyncio.timeout(max(self._remaining(), 0.001)):
                response = await http.async_send(self.client, request, stream=True)
        except TimeoutError:
            raise self._unavailable("no answer within the timeout", timed_out=True) from None
        except httpx.TransportError as exc:
            raise self._send_failed(exc) from None
        self._answered(response, NoAlarm(), stream=stream)
        if response.status_code >= 400:
            try:
                async with self._limited():
                    text = (await response.aread()).decode("utf-8", errors="replace")
            except (httpx.HTTPError, ProviderError):
                text = ""
            finally:
                await response.aclose()
            raise self._error_of(response, text)
        return response

    def _limited(self) -> asyncio.Timeout:
        """A read that ends when the nearest time limit passes; ``_limit_error`` says which it was."""
        assert self.limits is not None
        when, _reason = self.limits._nearest()
        loop = asyncio.get_running_loop()
        return asyncio.timeout_at(loop.time() + max(when - time.monotonic(), 0.0))

    def _limit_error(self, fallback: ProviderError) -> ProviderError:
        limits = self.limits
        assert limits is not None
        when, reason = limits._nearest()
        if time.monotonic() >= when - 0.001:
            limits.reached = reason
        return limits.error() or fallback

    # --- retries ----------------------------------------------------------------------------------------------
    async def _retrying(self, attempt: Callable[[], Awaitable[T]]) -> T:
        while True:
            self.stats.attempts += 1
            try:
                return await attempt()
            except ProviderError as error:
                delay = self._retry_delay(error)
                if delay is None:
                    raise self._finish(error) from None
                await self.sleep(delay)

    # --- public -----------------------------------------------------------------------------------------------
    async def json(self, spec: RequestSpec) -> Any:
        """Send a request (with retries) and return its decoded JSON body."""

        async def attempt() -> Any:
            response = await self._send(spec)
            try:
                async with self._limited():
                    await response.aread()
            except (TimeoutError, httpx.TimeoutException):
                stalled = self._unavailable("the answer stalled and timed out", timed_out=True)
                raise self._limit_error(stalled) from None
            except httpx.HTTPError:
                raise self._limit_error(BadResponse("the connection closed before the full answer arrived")) from None
            finally:
                await response.aclose()
            return self._body(response)

        return await self._retrying(attempt)

    async def call(self, spec: RequestSpec, parse: Callable[[Any], T]) -> T:
        with self._typed():
            return parse(await self.json(spec))
        raise AssertionError("unreachable")  # for type checkers: ``_typed`` re-raises

    async def chat_stream(self, adapter: Adapter, spec: RequestSpec) -> AsyncIterator[ChatDelta]:
        """Stream deltas. Failures before the first token are retried like any call; after it, never."""
        while True:
            self.stats.attempts += 1
            try:
                async for delta in self._stream_once(adapter, spec):
                    yield delta
                return
            except ProviderError as error:
                delay = self._stream_retry_delay(error)
                if delay is None:
                    raise self._finish(error) from None
                await self.sleep(delay)

    async def _stream_once(self, adapter: Adapter, spec: RequestSpec) -> AsyncIterator[ChatDelta]:
        response = await self._send(spec, stream=True)
        limits = self.limits
        assert limits is not None
        feed = LineFeed()
        source = response.aiter_lines()
        framing = ndjson_events if adapter.stream_format == "ndjson" else sse_events
        deltas = adapter.chat_deltas(noted(framing(feed.lines()), limits))
        try:
            while True:
                try:
                    delta = next(deltas)
                except StopIteration:
                    break
                if feed.starved:  # the adapter asked for a line that has not come yet: the tick was the feed's
                    feed.starved = False
                    await self._next_line(source, feed)
                    continue
                self._first_token(delta, limits)
                yield delta
            await self._drain(source)
        except httpx.TimeoutException:
            raise self._limit_error(
                BadResponse("the stream stalled and timed out before the reply was complete")
            ) from None
        except httpx.HTTPError:
            raise self._limit_error(BadResponse("the stream was cut off before the reply was complete")) from None
        except ModelDeskError:
            raise
        except Exception as exc:  # an adapter met a shape it did not expect
            raise unexpected_shape(exc) from None
        finally:
            close = getattr(deltas, "close", None)  # an adapter's generator: its ``finally`` blocks run now
            if close is not None:
                close()
            await response.aclose()

    async def _next_line(self, source: AsyncIterator[str], feed: LineFeed) -> None:
        try:
            async with self._limited():
                line = await anext(source)
        except StopAsyncIteration:
            feed.end()
            return
        except TimeoutError:
            raise self._limit_error(BadResponse("a time limit was reached")) from None
        if self.exchange is not None:
            self.exchange.keep(line)
        feed.push(line)

    async def _drain(self, source: AsyncIterator[str]) -> None:
        """As the synchronous ``_drain``: read the body's end, so that the connection goes back to the pool."""
        try:
            async with asyncio.timeout(DRAIN_SECONDS):
                for _ in range(DRAIN_LINES):
                    await anext(source)
        except (StopAsyncIteration, TimeoutError, httpx.HTTPError):
            pass
