"""Ollama's native API: ``/api/chat`` streaming NDJSON, ``/api/tags``, ``/api/embed``.

Reference: https://github.com/ollama/ollama/blob/main/docs/api.md
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from core.errors import BadResponse, ProviderUnavailable
from wire.adapters.base import CHAT, EMBED, MODELS, Adapter, sampling
from wire.adapters.errors import error_fields
from wire.adapters.reading import Node, parse_json
from wire.types import ChatDelta, ChatParams, ChatResult, EmbeddingResult, RemoteModel, RequestSpec, StreamEvent, Usage


def _usage(body: Node) -> Usage:
    return Usage(input_tokens=body.opt_int("prompt_eval_count"), output_tokens=body.opt_int("eval_count"))


def _line_delta(line: Node) -> ChatDelta:
    """One NDJSON line's delta; the final (``done``) line carries usage and why the reply stopped."""
    message = line.get("message")
    if line.flag("done"):
        return ChatDelta(
            content=message.text("content"), usage=_usage(line), finish_reason=line.opt_text("done_reason")
        )
    return ChatDelta(content=message.text("content"), reasoning=message.text("thinking"))


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
        root = Node(body)
        message = root.obj("message")
        return ChatResult(
            content=message.text("content"),
            reasoning=message.text("thinking"),
            usage=_usage(root),
            model=root.text("model"),
            finish_reason=root.opt_text("done_reason"),
        )

    def chat_deltas(self, events: Iterator[StreamEvent]) -> Iterator[ChatDelta]:
        for event in events:
            line = parse_json(event.data, "the stream line").obj()
            if line.get("error").value is not None:
                message, _code = error_fields(line.value)
                raise ProviderUnavailable(f"the stream broke off with an error: {message or 'unknown error'}")
            yield _line_delta(line)
            if line.flag("done"):
                return
        raise BadResponse("the stream ended before the final done line")

    def models_request(self) -> RequestSpec:
        return RequestSpec("GET", self.url("api/tags"), headers=self.headers())

    def models_response(self, body: Any) -> list[RemoteModel]:
        return [RemoteModel(name=item.required_text("name")) for item in Node(body).arr("models")]

    def embed_request(self, model: str, inputs: list[str]) -> RequestSpec:
        return RequestSpec(
            "POST", self.url("api/embed"), headers=self.headers(), json={"model": model, "input": inputs}
        )

    def embed_response(self, body: Any) -> EmbeddingResult:
        root = Node(body)
        return EmbeddingResult(
            vectors=[vector.floats() for vector in root.arr("embeddings")],
            usage=Usage(input_tokens=root.opt_int("prompt_eval_count")),
        )
