"""Anthropic Messages API: top-level ``system``, required ``max_tokens``, named SSE events.

Reference: https://docs.anthropic.com/en/api/messages
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from core.errors import BadResponse, ProviderUnavailable
from wire.adapters.base import CHAT, MODELS, Adapter, sampling
from wire.adapters.errors import error_fields
from wire.adapters.reading import Node, parse_json
from wire.types import ChatDelta, ChatParams, ChatResult, RemoteModel, RequestSpec, StreamEvent, Usage

DEFAULT_MAX_TOKENS = 1024
# The version of the Messages API this adapter speaks (https://docs.anthropic.com/en/api/versioning). It belongs to
# the protocol, not to a provider: a newer version would change the wire format and need a changed adapter.
ANTHROPIC_VERSION = "2023-06-01"


def _usage(usage: Node | None) -> Usage | None:
    if usage is None:
        return None
    return Usage(input_tokens=usage.opt_int("input_tokens"), output_tokens=usage.opt_int("output_tokens"))


def _blocks_text(blocks: list[Node], kind: str) -> str:
    """The text of the content blocks of one type (``text`` or ``thinking``); other block types are skipped."""
    return "".join(block.text(kind) for block in blocks if block.obj().text("type") == kind)


class AnthropicAdapter(Adapter):
    operations = frozenset({CHAT, MODELS})

    def headers(self) -> dict[str, str]:
        headers = {"anthropic-version": ANTHROPIC_VERSION}
        if self.target.api_key:
            headers["x-api-key"] = self.target.api_key
        return headers

    def chat_request(self, params: ChatParams, *, stream: bool) -> RequestSpec:
        system = "\n\n".join(m.content for m in params.messages if m.role == "system")
        body: dict[str, Any] = {
            "model": params.model,
            "max_tokens": params.max_tokens or DEFAULT_MAX_TOKENS,
            "messages": [{"role": m.role, "content": m.content} for m in params.messages if m.role != "system"],
        }
        if system:
            body["system"] = system
        body.update(sampling(params, max_tokens=None))
        if stream:
            body["stream"] = True
        return RequestSpec("POST", self.url("v1/messages"), headers=self.headers(), json=body)

    def chat_response(self, body: Any) -> ChatResult:
        root = Node(body)
        blocks = root.arr("content")
        return ChatResult(
            content=_blocks_text(blocks, "text"),
            reasoning=_blocks_text(blocks, "thinking"),
            usage=_usage(root.opt_obj("usage")) or Usage(),
            model=root.text("model"),
            finish_reason=root.opt_text("stop_reason"),
        )

    def chat_deltas(self, events: Iterator[StreamEvent]) -> Iterator[ChatDelta]:
        for event in events:
            data = parse_json(event.data, "the stream event").obj()
            kind = event.event or data.text("type")
            if kind == "message_stop":
                return
            if kind == "error":
                message, code = error_fields(data.value)
                raise ProviderUnavailable(f"the stream broke off with an error: {message or code or 'unknown'}")
            delta = self._event_delta(kind, data)
            if delta is not None:
                yield delta
        raise BadResponse("the stream ended before message_stop")

    def _event_delta(self, kind: str, data: Node) -> ChatDelta | None:
        """The delta one event carries; events without one (pings, block starts and stops) give None."""
        if kind == "message_start":
            return ChatDelta(usage=_usage(data.obj("message").opt_obj("usage")))
        if kind == "content_block_delta":
            delta = data.get("delta")
            return ChatDelta(content=delta.text("text"), reasoning=delta.text("thinking"))
        if kind == "message_delta":
            return ChatDelta(
                usage=_usage(data.opt_obj("usage")), finish_reason=data.get("delta").opt_text("stop_reason")
            )
        return None

    def models_request(self) -> RequestSpec:
        return RequestSpec("GET", self.url("v1/models"), headers=self.headers(), params={"limit": "1000"})

    def models_response(self, body: Any) -> list[RemoteModel]:
        return [
            RemoteModel(
                name=item.required_text("id"),
                model_type="llm",
                display_name=item.text("display_name"),
                context_window=item.opt_int("max_input_tokens"),
            )
            for item in Node(body).arr("data")
        ]
