"""Anthropic Messages API (§4): top-level ``system``, required ``max_tokens``, named SSE events."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from ..errors import BadResponse, ProviderUnavailable
from .base import CHAT, MODELS, Adapter, field, optional_int, sampling
from .errors import error_fields
from .types import ChatDelta, ChatParams, ChatResult, RemoteModel, RequestSpec, StreamEvent, Usage

DEFAULT_MAX_TOKENS = 1024


def _usage(raw: Any) -> Usage | None:
    if not isinstance(raw, dict):
        return None
    return Usage(
        input_tokens=optional_int(raw.get("input_tokens")), output_tokens=optional_int(raw.get("output_tokens"))
    )


class AnthropicAdapter(Adapter):
    operations = frozenset({CHAT, MODELS})

    def headers(self) -> dict[str, str]:
        headers = {"anthropic-version": self.target.quirks.get("anthropic_version", "2023-06-01")}
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
        blocks = field(body, "content")
        text = "".join(str(b.get("text", "")) for b in blocks if isinstance(b, dict) and b.get("type") == "text")
        thinking = "".join(
            str(b.get("thinking", "")) for b in blocks if isinstance(b, dict) and b.get("type") == "thinking"
        )
        return ChatResult(
            content=text,
            reasoning=thinking,
            usage=_usage(body.get("usage")) or Usage(),
            model=str(body.get("model") or ""),
            finish_reason=body.get("stop_reason"),
        )

    def chat_deltas(self, events: Iterator[StreamEvent]) -> Iterator[ChatDelta]:
        for event in events:
            try:
                data = json.loads(event.data)
            except ValueError:
                raise BadResponse("the stream carried an event that is not JSON") from None
            kind = event.event or data.get("type", "")
            if kind == "message_start":
                yield ChatDelta(usage=_usage(field(data, "message").get("usage")))
            elif kind == "content_block_delta":
                delta = data.get("delta") or {}
                yield ChatDelta(content=str(delta.get("text") or ""), reasoning=str(delta.get("thinking") or ""))
            elif kind == "message_delta":
                stop = (data.get("delta") or {}).get("stop_reason")
                yield ChatDelta(usage=_usage(data.get("usage")), finish_reason=stop)
            elif kind == "message_stop":
                return
            elif kind == "error":
                message, code = error_fields(data)
                raise ProviderUnavailable(f"the stream broke off with an error: {message or code or 'unknown'}")
        raise BadResponse("the stream ended before message_stop")

    def models_request(self) -> RequestSpec:
        return RequestSpec("GET", self.url("v1/models"), headers=self.headers(), params={"limit": "1000"})

    def models_response(self, body: Any) -> list[RemoteModel]:
        return [
            RemoteModel(
                name=str(field(item, "id")),
                model_type="llm",
                display_name=str(item.get("display_name") or ""),
                context_window=optional_int(item.get("max_input_tokens")),
            )
            for item in field(body, "data")
        ]
