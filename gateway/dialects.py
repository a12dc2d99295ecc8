"""The two chat dialects the gateway speaks, OpenAI's (``/v1/chat/completions``) and Anthropic's
(``/v1/messages``): how each reads a request, writes a reply and an error, and writes a stream as server-sent
events. The path between them (routes, fallback, the service layer) is one (``gateway.asgi``)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from wire.types import ChatDelta, ToolCall, ToolCallDelta, Usage

from . import anthropic_format as anth
from . import openai_format as oai

Send = Callable[[dict[str, Any]], Awaitable[None]]


async def sse(send: Send, data: dict[str, Any], event: str | None = None) -> None:
    head = f"event: {event}\n".encode() if event else b""
    body = head + b"data: " + json.dumps(data, ensure_ascii=False).encode() + b"\n\n"
    await send({"type": "http.response.body", "body": body, "more_body": True})


class StreamWriter:
    """Writes one streamed reply: ``start``, ``piece`` for each delta, then ``end`` or ``failed``, and ``close``."""

    def __init__(self, send: Send, request: oai.ChatRequest) -> None:
        self.send, self.request = send, request

    async def start(self) -> None: ...

    async def piece(self, delta: ChatDelta) -> None: ...

    async def end(self, finish_reason: str | None, usage: Usage) -> None: ...

    async def failed(self, error: oai.RequestError) -> None: ...

    async def close(self) -> None:
        await self.send({"type": "http.response.body", "body": b""})


class OpenAIStream(StreamWriter):
    def __init__(self, send: Send, request: oai.ChatRequest) -> None:
        super().__init__(send, request)
        self.id = oai.completion_id()

    async def start(self) -> None:
        await sse(self.send, oai.chunk(self.request, self.id, {"role": "assistant", "content": ""}))

    async def piece(self, delta: ChatDelta) -> None:
        piece: dict[str, Any] = {}
        if delta.content:
            piece["content"] = delta.content
        if delta.reasoning:
            piece["reasoning_content"] = delta.reasoning
        if delta.tool_calls:
            piece["tool_calls"] = [self._tool_piece(p) for p in delta.tool_calls]
        if piece:
            await sse(self.send, oai.chunk(self.request, self.id, piece))

    def _tool_piece(self, piece: ToolCallDelta) -> dict[str, Any]:
        """OpenAI's streamed tool call: the call's id, type and name in its first piece, then arguments."""
        function: dict[str, Any] = {"arguments": piece.arguments}
        found: dict[str, Any] = {"index": piece.index, "function": function}
        if piece.id or piece.name:
            found.update(id=piece.id, type="function")
            function["name"] = piece.name
        return found

    async def end(self, finish_reason: str | None, usage: Usage) -> None:
        await sse(self.send, oai.chunk(self.request, self.id, {}, oai.finish_reason(finish_reason)))
        if self.request.include_usage:
            await sse(self.send, oai.usage_chunk(self.request, self.id, usage))

    async def failed(self, error: oai.RequestError) -> None:
        await sse(self.send, error.body())

    async def close(self) -> None:
        await self.send({"type": "http.response.body", "body": b"data: [DONE]\n\n"})


class AnthropicStream(StreamWriter):
    """Content blocks in order: a thinking block while reasoning arrives, a text block for the answer."""

    def __init__(self, send: Send, request: oai.ChatRequest) -> None:
        super().__init__(send, request)
        self.index, self.kind = -1, ""

    async def _event(self, data: dict[str, Any]) -> None:
        await sse(self.send, data, data["type"])

    async def start(self) -> None:
        await self._event(anth.message_start(self.request, anth.message_id()))

    async def _block(self, kind: str) -> None:
        if self.kind != kind:
            if self.kind:
                await self._event(anth.block_stop(self.index))
            self.index, self.kind = self.index + 1, kind
            await self._event(anth.block_start(self.index, kind))

    async def piece(self, delta: ChatDelta) -> None:
        for kind, text in (("thinking", delta.reasoning), ("text", delta.content)):
            if text:
                await self._block(kind)
                await self._event(anth.block_delta(self.index, kind, text))
        for piece in delta.tool_calls:
            kind = f"tool_use:{piece.index}"
            if self.kind != kind:
                if self.kind:
                    await self._event(anth.block_stop(self.index))
                self.index, self.kind = self.index + 1, kind
                await self._event(anth.tool_block_start(self.index, piece.id, piece.name))
            if piece.arguments:
                await self._event(anth.tool_block_delta(self.index, piece.arguments))

    async def end(self, finish_reason: str | None, usage: Usage) -> None:
        if not self.kind:
            await self._block("text")  # a reply always has a block, if an empty text one
        await self._event(anth.block_stop(self.index))
        await self._event(anth.message_delta(finish_reason, usage))
        await self._event({"type": "message_stop"})

    async def failed(self, error: oai.RequestError) -> None:
        await self._event(anth.error_body(error))


@dataclass(frozen=True)
class Dialect:
    parse: Callable[[Any], oai.ChatRequest]
    reply: Callable[[oai.ChatRequest, str, str, str | None, Usage, Sequence[ToolCall]], dict[str, Any]]
    stream: type[StreamWriter]
    error_body: Callable[[oai.RequestError], dict[str, Any]]


OPENAI = Dialect(oai.chat_request, oai.completion, OpenAIStream, oai.RequestError.body)
ANTHROPIC = Dialect(anth.messages_request, anth.message, AnthropicStream, anth.error_body)
