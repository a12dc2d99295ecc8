"""Chat calls made from a coroutine: the ASGI fast paths (``playground.fast``), and later the /v1 gateway.

The same calls as ``calls.services.chat`` and ``chat_stream`` (resolution, grants, quotas, rules, retries, time
limits, typed errors, the CallLog row), in three steps, so that a request does its database work in one thread
hop before the provider call and one after, and awaits the provider on the event loop in between:

- ``chat_begin`` / ``stream_begin``, synchronous (they use the database): resolve the credential and model,
  check the grant, apply the model's rules, reserve the quotas and decrypt the secrets. A failure here raises,
  recorded, as in ``calls.services``.
- ``await ChatCall.send()``, or ``async for delta in ChatStreamAsync.deltas()``: the provider call, on the running
  loop's client (``wire.async_transport``); no database. A protocol that polls for its answer (Replicate) is
  sent by the synchronous transport in a thread.
- ``finish()``, synchronous: the CallLog row (queued: ``calls.call_log``) and the quotas' settlement.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Required, Unpack, cast

from core.errors import BadResponse, ModelDeskError
from wire.async_transport import AsyncTransport
from wire.polling import call_until_final
from wire.types import ChatDelta, ChatParams, ChatResult, Message, ToolCall, ToolCallDelta, tool_calls_of

from .recording import StreamCancelled, call_failure, call_record, recorded
from .resolve import AsyncPreparedCall, Call, call_prepare_async, call_resolve
from .services import ChatOutcome, Sampling, Who, _sizes_on_overflow, chat_params, whole_reply_delta
from .usage import usage_or_estimate

logger = logging.getLogger(__name__)


class ChatArgs(Sampling, total=False):
    """``calls.services.chat``'s keyword arguments."""

    messages: Required[Sequence[Message]]
    credential: Who
    model: str | None
    max_attempts: int | None
    deadline: float | None
    user: Any
    capture: bool


CALL_ARGS = ("messages", "credential", "model", "max_attempts", "deadline", "user", "capture")


def _begin(operation: str, args: ChatArgs) -> tuple[AsyncPreparedCall, ChatParams]:
    given: dict[str, Any] = dict(args)
    sampling = cast(Sampling, {name: value for name, value in given.items() if name not in CALL_ARGS})
    call = call_resolve(
        operation=operation, credential=given.get("credential"), model=given.get("model"), user=given.get("user")
    )
    with recorded(call, success=False):
        params = chat_params(call, given["messages"], sampling)
        ready = call_prepare_async(
            call,
            max_attempts=given.get("max_attempts"),
            deadline=given.get("deadline"),
            capture=bool(given.get("capture")),
        )
    return ready, params


def chat_begin(**args: Unpack[ChatArgs]) -> ChatCall:
    """A chat call ready to ``send``."""
    return ChatCall(*_begin("chat", args))


def stream_begin(**args: Unpack[ChatArgs]) -> ChatStreamAsync:
    """A streamed chat call ready to read (``deltas``)."""
    return ChatStreamAsync(*_begin("chat_stream", args))


async def _whole_reply(ready: AsyncPreparedCall, params: ChatParams) -> ChatResult:
    adapter, transport = ready.adapter, ready.transport
    spec = adapter.chat_request(params, stream=False)
    if isinstance(transport, AsyncTransport):
        return await transport.call(spec, adapter.chat_response)
    return await asyncio.to_thread(call_until_final, transport, adapter, spec, adapter.chat_response)


@dataclass
class _Sent:
    ready: AsyncPreparedCall
    params: ChatParams
    error: ModelDeskError | None = None

    @property
    def call(self) -> Call:
        return self.ready.call

    @property
    def exchange(self) -> dict[str, Any] | None:
        """With ``capture=True``: what was sent and received so far (also after a failure or a Stop)."""
        exchange = self.ready.transport.exchange
        return exchange.as_dict() if exchange is not None else None

    def _failed(self, exc: BaseException) -> ModelDeskError:
        self.error = call_failure(self.call, exc)
        self.error.exchange = self.exchange
        return self.error

    def _outcome(self, content: str, reasoning: str, tool_calls: tuple[ToolCall, ...] = ()) -> ChatOutcome:
        return ChatOutcome(
            content=content,
            reasoning=reasoning,
            finish_reason=self.call.finish_reason or None,
            info=self.call.info(),
            exchange=self.exchange,
            tool_calls=tool_calls,
        )


@dataclass
class ChatCall(_Sent):
    result: ChatResult | None = None

    async def send(self) -> None:
        """Send and wait for the whole reply; a failure is kept in ``error`` (``finish`` records and raises it)."""
        try:
            with _sizes_on_overflow(self.call, self.params):
                self.result = await _whole_reply(self.ready, self.params)
        except Exception as exc:
            self._failed(exc)

    def finish(self) -> ChatOutcome:
        """Record the call; its error is raised, typed, after it is recorded."""
        call, result = self.call, self.result
        if self.error is not None or result is None:
            error = self.error or StreamCancelled()  # not sent, or its task was cancelled
            call_record(call, error)
            raise error
        call.usage = usage_or_estimate(result.usage, self.params.messages, result.content + result.reasoning)
        call.finish_reason = result.finish_reason or ""
        call_record(call)
        return self._outcome(result.content, result.reasoning, result.tool_calls)


@dataclass
class ChatStreamAsync(_Sent):
    """Read ``deltas``; ``outcome`` is set once the stream has ended well. Then ``finish`` records it."""

    outcome: ChatOutcome | None = None
    content: list[str] = field(default_factory=list)
    reasoning: list[str] = field(default_factory=list)
    tool_pieces: list[ToolCallDelta] = field(default_factory=list)

    async def deltas(self) -> AsyncGenerator[ChatDelta, None]:
        """Deltas with content or reasoning as they arrive, and ``TICK`` for each keep-alive of the provider.
        A failure is raised, typed, and kept in ``error``."""
        call = self.call
        try:
            with _sizes_on_overflow(call, self.params):
                async for delta in self._read():
                    call.usage = call.usage.merge(delta.usage)
                    call.finish_reason = delta.finish_reason or call.finish_reason
                    if delta.content or delta.reasoning or delta.tool_calls:
                        self.content.append(delta.content)
                        self.reasoning.append(delta.reasoning)
                        self.tool_pieces += delta.tool_calls
                        yield delta
                    elif delta.is_tick:
                        yield delta
        except Exception as exc:
            raise self._failed(exc) from None
        finally:  # also when the reader stops: the call log counts the tokens seen until then
            call.usage = usage_or_estimate(call.usage, self.params.messages, self.received + "".join(self.reasoning))
        self.outcome = self._outcome(self.received, "".join(self.reasoning), tool_calls_of(self.tool_pieces))

    @property
    def received(self) -> str:
        return "".join(self.content)

    async def _read(self) -> AsyncIterator[ChatDelta]:
        adapter, transport = self.ready.adapter, self.ready.transport
        if not adapter.streams or not isinstance(transport, AsyncTransport):
            yield await self._whole()
            return
        try:
            async for delta in transport.chat_stream(adapter, adapter.chat_request(self.params, stream=True)):
                yield delta
        except BadResponse:
            if transport.stats.first_token_at is not None:
                raise
            # As ``calls.services.ChatStream``: a server that refuses a prompt after the stream's headers says
            # why only in a reply that does not stream.
            logger.info("%s/%s: stream ended before its first token, asking once without streaming", *self._who())
            yield await self._whole()

    def _who(self) -> tuple[str, str]:
        return self.call.provider.slug, self.call.model

    async def _whole(self) -> ChatDelta:
        return whole_reply_delta(await _whole_reply(self.ready, self.params), self.ready.transport.stats)

    def finish(self) -> None:
        """Record the call: its error; a stop, when the reader left before the end; else its success."""
        error = self.error or (StreamCancelled() if self.outcome is None else None)
        call_record(self.call, error)
