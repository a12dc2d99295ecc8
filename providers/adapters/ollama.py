"""Ollama's native API (§11): ``/api/chat`` streaming NDJSON, ``/api/tags``, ``/api/embed``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from ..errors import BadResponse, ProviderUnavailable
from .base import CHAT, EMBED, MODELS, Adapter, field, optional_int, sampling
from .types import ChatDelta, ChatParams, ChatResult, EmbeddingResult, RemoteModel, RequestSpec, StreamEvent, Usage


def _usage(body: dict[str, Any]) -> Usage:
    return Usage(
        input_tokens=optional_int(body.get("prompt_eval_count")), output_tokens=optional_int(body.get("eval_count"))
    )


class OllamaAdapter(Adapter):
    operations = frozenset({CHAT, MODELS, EMBED})
    stream_format = "ndjson"

    def chat_request(self, params: ChatParams, *, stream: bool) -> RequestSpec:
        options = sampling(params, max_tokens="num_predict")
        body: dict[str, Any] = {
            "model": params.model,
            "messages": [{"role": m.role, "content": m.content} for m in params.messages],
            "stream": stream,  # Ollama streams unless told otherwise
        }
        if options:
            body["options"] = options
        return RequestSpec("POST", self.url("api/chat"), headers=self.headers(), json=body)

    def chat_response(self, body: Any) -> ChatResult:
        message = field(body, "message")
        return ChatResult(
            content=str(message.get("content") or ""),
            reasoning=str(message.get("thinking") or ""),
            usage=_usage(body),
            model=str(body.get("model") or ""),
            finish_reason=body.get("done_reason"),
        )

    def chat_deltas(self, events: Iterator[StreamEvent]) -> Iterator[ChatDelta]:
        for event in events:
            try:
                line = json.loads(event.data)
            except ValueError:
                raise BadResponse("the stream carried a line that is not JSON") from None
            if not isinstance(line, dict):
                raise BadResponse("the stream carried a line that is not a JSON object")
            if "error" in line:
                raise ProviderUnavailable(f"the stream broke off with an error: {line['error']}")
            message = line.get("message") or {}
            if line.get("done"):
                yield ChatDelta(
                    content=str(message.get("content") or ""), usage=_usage(line), finish_reason=line.get("done_reason")
                )
                return
            yield ChatDelta(content=str(message.get("content") or ""), reasoning=str(message.get("thinking") or ""))
        raise BadResponse("the stream ended before the final done line")

    def models_request(self) -> RequestSpec:
        return RequestSpec("GET", self.url("api/tags"), headers=self.headers())

    def models_response(self, body: Any) -> list[RemoteModel]:
        return [RemoteModel(name=str(field(item, "name"))) for item in field(body, "models")]

    def embed_request(self, model: str, inputs: list[str]) -> RequestSpec:
        return RequestSpec(
            "POST", self.url("api/embed"), headers=self.headers(), json={"model": model, "input": inputs}
        )

    def embed_response(self, body: Any) -> EmbeddingResult:
        return EmbeddingResult(
            vectors=[list(v) for v in field(body, "embeddings")],
            usage=Usage(input_tokens=optional_int(body.get("prompt_eval_count"))),
        )
