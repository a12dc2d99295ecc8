"""Ollama's native API: ``/api/chat`` streaming NDJSON, ``/api/tags``, ``/api/show``, ``/api/embed``.

Reference: https://github.com/ollama/ollama/blob/main/docs/api.md

What ModelDesk's chat parameters become here: images go in a message's ``images`` as base64 (Ollama fetches no
URLs); sampling, ``stop``, ``seed`` and the penalties go in ``options`` (``max_tokens`` as ``num_predict``);
``response_format`` becomes ``format`` (``"json"``, or the JSON schema itself); ``thinking`` becomes the top-level
``think``: true or false, or a level (low, medium, high, max) when an effort is set. Ollama has no thinking budget.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from core.errors import BadResponse, InvalidInput, ProviderUnavailable
from wire.adapters.base import CHAT, EMBED, MODELS, Adapter, refuse_tools, sampling
from wire.adapters.errors import error_fields
from wire.adapters.reading import Node, parse_json
from wire.types import (
    TICK,
    ChatDelta,
    ChatParams,
    ChatResult,
    EmbeddingResult,
    ImagePart,
    Message,
    RemoteModel,
    RequestSpec,
    ResponseFormat,
    StreamEvent,
    Thinking,
    Usage,
)

THINK_LEVELS = ("low", "medium", "high", "max")


def _usage(body: Node) -> Usage:
    return Usage(input_tokens=body.opt_int("prompt_eval_count"), output_tokens=body.opt_int("eval_count"))


def _line_delta(line: Node) -> ChatDelta:
    """One NDJSON line's delta; the final (``done``) line carries usage and why the reply stopped."""
    message = line.get("message")
    delta = ChatDelta(content=message.text("content"), reasoning=message.text("thinking"))
    if line.flag("done"):
        return replace(delta, usage=_usage(line), finish_reason=line.opt_text("done_reason"))
    return delta


def _message(message: Message) -> dict[str, Any]:
    body: dict[str, Any] = {"role": message.role, "content": message.text}
    images = [part for part in message.parts if isinstance(part, ImagePart)]
    if any(not image.data for image in images):
        raise InvalidInput("Ollama takes images as base64 data only, not by URL; send the image itself.")
    if images:
        body["images"] = [image.data for image in images]
    return body


def _options(params: ChatParams) -> dict[str, Any]:
    options = sampling(params, max_tokens="num_predict")
    extra = {
        "seed": params.seed,
        "presence_penalty": params.presence_penalty,
        "frequency_penalty": params.frequency_penalty,
    }
    options.update({name: value for name, value in extra.items() if value is not None})
    if params.stop:
        options["stop"] = list(params.stop)
    return options


def _format(response_format: ResponseFormat) -> str | dict[str, Any]:
    if response_format.type == "json_object":
        return "json"
    if response_format.type == "json_schema" and response_format.schema:
        return dict(response_format.schema)
    raise InvalidInput("Ollama's format is JSON mode (json_object) or a JSON schema (json_schema with its schema).")


def _think(thinking: Thinking) -> bool | str:
    if not thinking.enabled:
        return False
    if thinking.budget_tokens is not None:
        raise InvalidInput("Ollama has no thinking budget; set an effort (low, medium, high, max) instead.")
    if thinking.effort is None:
        return True
    if thinking.effort not in THINK_LEVELS:
        raise InvalidInput(f"Ollama's thinking levels are {', '.join(THINK_LEVELS)}, not {thinking.effort!r}.")
    return thinking.effort


class OllamaAdapter(Adapter):
    operations = frozenset({CHAT, MODELS, EMBED})
    stream_format = "ndjson"

    def chat_request(self, params: ChatParams, *, stream: bool) -> RequestSpec:
        refuse_tools(params, "Ollama")
        body: dict[str, Any] = {
            "model": params.model,
            "messages": [_message(m) for m in params.messages],
            "stream": stream,  # Ollama streams unless told otherwise
        }
        if options := _options(params):
            body["options"] = options
        if params.response_format is not None:
            body["format"] = _format(params.response_format)
        if params.thinking is not None:
            body["think"] = _think(params.thinking)
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
            if event.comment:
                yield TICK
                continue
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

    def model_info_request(self, model: str) -> RequestSpec | None:
        return RequestSpec("POST", self.url("api/show"), headers=self.headers(), json={"model": model})

    def model_info_response(self, model: str, body: Any) -> RemoteModel:
        """The context window is ``model_info["<architecture>.context_length"]``, the architecture being
        ``model_info["general.architecture"]``; ``capabilities`` tells embedding models from chat models."""
        root = Node(body)
        info = root.opt_obj("model_info")
        architecture = info.text("general.architecture") if info else ""
        context = info.opt_int(f"{architecture}.context_length") if info and architecture else None
        capabilities = {item.text() for item in root.opt_arr("capabilities")}
        kind = "text-embedding" if "embedding" in capabilities else "llm" if "completion" in capabilities else None
        return RemoteModel(name=model, model_type=kind, context_window=context)

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
