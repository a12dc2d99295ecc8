"""The asynchronous twin of ``wire.transport.Transport``, for the ASGI fast paths (``playground.fast``).

Same policy, retries, time limits, redaction and typed errors (``TransportBase``), sent with the running loop's
aiohttp session (``wire.http.async_session``). Where the synchronous transport has an alarm thread end a
blocked read, here each read waits at most until the nearest limit (``Limits``), and a cancelled task ends its
read at once. A stream's lines are split here, as httpx splits them (``\n``, ``\r\n`` or ``\r``), however
long: aiohttp's own ``readline`` refuses a line past its buffer.

Adapters read a stream with synchronous generators (``chat_deltas`` over ``sse_events`` or ``ndjson_events``).
``LineFeed`` lets them read lines that arrive asynchronously: when it has no line yet it hands them a comment
line, which they answer with a ``TICK`` as they answer a provider's keep-alive; the reader then knows to await
the next line before it asks the adapter again. A keep-alive that really came from the provider reaches the
reader as a ``TICK`` as before.
"""

from __future__ import annotations

import asyncio
import codecs
import json
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, TypeVar
from urllib.parse import urlencode

import aiohttp

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
        session: aiohttp.ClientSession | None = None,
        capture: bool = False,
    ) -> None:
        super().__init__(policy, redact=redact, errors=errors, clock=clock, capture=capture)
        self.sleep = sleep
        self._session = session

    @property
    def session(self) -> aiohttp.ClientSession:
        """The given session, else the running loop's (taken when the first request is sent, on the loop)."""
        if self._session is None:
            self._session = http.async_session()
        return self._session

    # --- one attempt ------------------------------------------------------------------------------------------
    def _options(self, spec: RequestSpec) -> tuple[str, dict[str, Any]]:
        headers = dict(spec.headers)
        options: dict[str, Any] = {
            "headers": headers,
            "timeout": http.async_timeout(remaining=max(0.1, self._remaining())),
        }
        if spec.params:
            options["params"] = dict(spec.params)
        if spec.json is not None:
            options["data"] = json.dumps(spec.json, ensure_ascii=False).encode()
            headers.setdefault("Content-Type", "application/json")
        elif spec.files:
            form = aiohttp.FormData(dict(spec.data or {}))
            for name, (filename, content, content_type) in spec.files.items():
                form.add_field(name, content, filename=filename, content_type=content_type)
            options["data"] = form
        elif spec.data:
            options["data"] = dict(spec.data)
        url = spec.url + ("?" + urlencode(dict(spec.params)) if spec.params else "")
        if self.exchange is not None:
            self.exchange.sent(spec.method, url, headers, spec.json)
        return url, options

    async def _send(self, spec: RequestSpec, *, stream: bool = False) -> aiohttp.ClientResponse:
        """As ``Transport._send``: back once the status line and headers are in."""
        self._may_send()
        _url, options = self._options(spec)
        try:
            async with asyncio.timeout(max(self._remaining(), 0.001)):
                response = await http.async_send(self.session, spec.method, spec.url, **options)
        except (TimeoutError, aiohttp.ServerTimeoutError):
            raise self._unavailable("no answer within the timeout", timed_out=True) from None
        except aiohttp.ClientError as exc:
            raise self._unavailable(f"could not connect ({type(exc).__name__})") from None
        self._answered(response.status, NoAlarm(), stream=stream)
        if response.status >= 400:
            try:
                async with self._limited():
                    text = _text(await response.read())
            except (aiohttp.ClientError, TimeoutError, ProviderError):
                text = ""
            finally:
                response.release()
            raise self._error_of(response.status, response.headers.items(), text)
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
                    raw = await response.read()
            except (TimeoutError, aiohttp.ServerTimeoutError):
                stalled = self._unavailable("the answer stalled and timed out", timed_out=True)
                raise self._limit_error(stalled) from None
            except aiohttp.ClientError:
                raise self._limit_error(BadResponse("the connection closed before the full answer arrived")) from None
            finally:
                response.release()
            return self._body(response.status, _text(raw))

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
        source = _lines(response)
        framing = ndjson_events if adapter.stream_format == "ndjson" else sse_events
        deltas = adapter.chat_deltas(noted(framing(feed.lines()), limits))
        whole = False
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
            whole = await self._drain(source)
        except (TimeoutError, aiohttp.ServerTimeoutError):
            raise self._limit_error(
                BadResponse("the stream stalled and timed out before the reply was complete")
            ) from None
        except aiohttp.ClientError:
            raise self._limit_error(BadResponse("the stream was cut off before the reply was complete")) from None
        except ModelDeskError:
            raise
        except Exception as exc:  # an adapter met a shape it did not expect
            raise unexpected_shape(exc) from None
        finally:
            close = getattr(deltas, "close", None)  # an adapter's generator: its ``finally`` blocks run now
            if close is not None:
                close()
            if whole:  # read to its end: the connection goes back to the pool
                response.release()
            else:  # a stop, a failure: the connection is closed
                response.close()

    async def _next_line(self, source: AsyncIterator[str], feed: LineFeed) -> None:
        try:
            async with self._limited():
                line = await anext(source)
        except StopAsyncIteration:
            feed.end()
            return
        except aiohttp.ServerTimeoutError:  # the read timeout (no byte for that long), not one of the limits
            stalled = BadResponse("the stream stalled and timed out before the reply was complete")
            raise self._limit_error(stalled) from None
        except TimeoutError:
            raise self._limit_error(BadResponse("a time limit was reached")) from None
        if self.exchange is not None:
            self.exchange.keep(line)
        feed.push(line)

    async def _drain(self, source: AsyncIterator[str]) -> bool:
        """As the synchronous ``_drain``: read the body's end, so that the connection goes back to the pool.
        Whether the body ended."""
        try:
            async with asyncio.timeout(DRAIN_SECONDS):
                for _ in range(DRAIN_LINES):
                    await anext(source)
        except StopAsyncIteration:
            return True
        except (TimeoutError, aiohttp.ClientError):
            pass
        return False


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")


async def _lines(response: aiohttp.ClientResponse) -> AsyncIterator[str]:
    """The body's lines as text, split at ``\n``, ``\r\n`` or ``\r``, as httpx's ``aiter_lines`` splits them."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    pending = ""
    async for chunk in response.content.iter_any():
        text = pending + decoder.decode(chunk)
        held = text.endswith("\r")  # its \n may come with the next chunk
        parts = (text[:-1] if held else text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
        pending = parts.pop() + ("\r" if held else "")
        for line in parts:
            yield line
    rest = pending + decoder.decode(b"", final=True)
    if rest.endswith("\r"):  # a line ended by \r at the body's end
        yield rest[:-1]
    elif rest:
        yield rest
