"""OpenAI's chat completions format, read into the service layer's terms and written back from its results.

Sources, checked 2026-12-03: the API reference for ``POST /v1/chat/completions`` and its streaming chunks
(https://platform.openai.com/docs/api-reference/chat/create, .../chat/streaming), ``GET /v1/models``
(https://platform.openai.com/docs/api-reference/models/list), and the error object
(https://platform.openai.com/docs/guides/error-codes); the shapes the official SDK parses are in
``openai/types/chat/chat_completion.py`` and ``chat_completion_chunk.py`` of openai-python.
"""

from __future__ import annotations

import base64
import math
import struct
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.utils.translation import gettext as _

from core.errors import AccessDenied, InvalidInput, LimitReached, ModelDeskError, ProviderError
from wire.types import (
    AudioFile,
    ImagePart,
    Message,
    RerankHit,
    ResponseFormat,
    TextPart,
    Thinking,
    Tool,
    ToolCall,
    ToolChoice,
    Usage,
)

ROLES = ("system", "developer", "user", "assistant", "tool")
EFFORTS = ("low", "medium", "high")


class RequestError(Exception):
    """A request the gateway refuses, as OpenAI's error object: a status, a message, the parameter, a code."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        param: str | None = None,
        code: str = "invalid_request",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.param, self.code = status, message, param, code
        self.retry_after = retry_after  # seconds, sent as Retry-After

    def headers(self) -> list[tuple[bytes, bytes]]:
        if self.retry_after is None:
            return []
        return [(b"retry-after", str(max(1, math.ceil(self.retry_after))).encode())]

    def body(self) -> dict[str, Any]:
        kind = ERROR_TYPES.get(self.status, "invalid_request_error" if self.status < 500 else "api_error")
        return {"error": {"message": self.message, "type": kind, "param": self.param, "code": self.code}}


ERROR_TYPES = {
    401: "authentication_error",
    403: "permission_error",
    404: "invalid_request_error",
    429: "rate_limit_error",
}
PASSED_ON = frozenset({400, 404, 413, 422, 429})  # a provider's status the caller can act on, passed on as it is


def _seconds_to(iso: str | None) -> float | None:
    """Seconds from now to an ISO time (a quota's reset), for Retry-After; None for none."""
    if not iso:
        return None
    return max(1.0, (datetime.fromisoformat(iso) - datetime.now(UTC)).total_seconds())


def error_of(error: ModelDeskError) -> RequestError:
    """A typed error of the service layer as the gateway answers it."""
    message = error.user_message()
    if isinstance(error, AccessDenied):
        return RequestError(403, message, code=error.error_type)
    if isinstance(error, LimitReached):
        return RequestError(429, message, code=error.error_type, retry_after=_seconds_to(error.facts.get("resets_at")))
    if isinstance(error, InvalidInput):
        return RequestError(400, message, code=error.error_type)
    if isinstance(error, ProviderError):
        status = error.status if error.status in PASSED_ON else 502
        retry_after = error.retry_after if status == 429 else None
        return RequestError(status, message, code=error.error_type, retry_after=retry_after)
    return RequestError(400 if error.error_type == "configuration" else 500, message, code=error.error_type)


@dataclass
class ChatRequest:
    public_model: str  # as the caller named it: a route, or credential/model
    messages: list[Message]
    stream: bool = False
    include_usage: bool = False
    sampling: dict[str, Any] = field(default_factory=dict)


def chat_request(body: Any) -> ChatRequest:
    """The request body, checked; a ``RequestError`` names the parameter that is wrong."""
    if not isinstance(body, dict):
        raise RequestError(400, _("The request body must be a JSON object."))
    name = model_name(body)
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise RequestError(400, _("messages must be a non-empty array."), param="messages")
    for unsupported in ("functions", "n"):
        if body.get(unsupported) not in (None, [], 1):
            message = _("%(param)s is not supported by this gateway yet.") % {"param": unsupported}
            raise RequestError(400, message, param=unsupported)
    options = body.get("stream_options") or {}
    return ChatRequest(
        public_model=name,
        messages=[_message(m, i) for i, m in enumerate(messages)],
        stream=bool(body.get("stream")),
        include_usage=isinstance(options, dict) and bool(options.get("include_usage")),
        sampling={**_sampling(body), **_tools(body)},
    )


def _message(item: Any, index: int) -> Message:
    param = f"messages[{index}]"
    if not isinstance(item, dict) or item.get("role") not in ROLES:
        message = _("%(param)s needs a role: one of %(roles)s.") % {"param": param, "roles": ", ".join(ROLES)}
        raise RequestError(400, message, param=param)
    role = "system" if item["role"] == "developer" else str(item["role"])
    content = item.get("content")
    if role == "tool":
        call_id = item.get("tool_call_id")
        if not isinstance(call_id, str) or not call_id:
            message = _("%(param)s needs the tool_call_id it answers.") % {"param": param}
            raise RequestError(400, message, param=f"{param}.tool_call_id")
        text = content if isinstance(content, str) else Message(role, _parts(content, param)).text
        return Message(role, text, tool_call_id=call_id)
    calls = _tool_calls(item.get("tool_calls"), param) if role == "assistant" else ()
    if calls and content is None:
        return Message(role, "", tool_calls=calls)
    if isinstance(content, str):
        return Message(role, content, tool_calls=calls)
    return Message(role, _parts(content, param), tool_calls=calls)


def _parts(content: Any, param: str) -> tuple[TextPart | ImagePart, ...]:
    if not isinstance(content, list):
        message = _("%(param)s must be text or an array of parts.") % {"param": f"{param}.content"}
        raise RequestError(400, message, param=f"{param}.content")
    return tuple(_part(part, f"{param}.content[{i}]") for i, part in enumerate(content))


def _tool_calls(value: Any, param: str) -> tuple[ToolCall, ...]:
    if value in (None, []):
        return ()
    calls = []
    for i, item in enumerate(value if isinstance(value, list) else [None]):
        function = item.get("function") if isinstance(item, dict) else None
        if not (
            isinstance(function, dict) and isinstance(item.get("id"), str) and isinstance(function.get("name"), str)
        ):
            where = f"{param}.tool_calls[{i}]"
            message = _("%(param)s must be a function call with an id, a name and arguments.") % {"param": where}
            raise RequestError(400, message, param=where)
        arguments = function.get("arguments")
        calls.append(ToolCall(item["id"], function["name"], arguments if isinstance(arguments, str) else "{}"))
    return tuple(calls)


def _tools(body: dict[str, Any]) -> dict[str, Any]:
    """``tools`` (functions with a JSON schema of their parameters) and ``tool_choice``, passed on to providers
    that take them (https://platform.openai.com/docs/api-reference/chat/create, checked 2026-12-04)."""
    value = body.get("tools")
    if value in (None, []):
        return {}
    tools = []
    for i, item in enumerate(value if isinstance(value, list) else [None]):
        function = item.get("function") if isinstance(item, dict) and item.get("type") == "function" else None
        name = function.get("name") if isinstance(function, dict) else None
        parameters = function.get("parameters") if isinstance(function, dict) else None
        if not isinstance(name, str) or not name or not (parameters is None or isinstance(parameters, dict)):
            message = _(
                'tools[%(index)s] must be {"type": "function", "function": {"name": ..., "parameters": {...}}}.'
            )
            raise RequestError(400, message % {"index": i}, param=f"tools[{i}]")
        assert isinstance(function, dict)  # name came from it
        tools.append(Tool(name, str(function.get("description") or ""), parameters))
    return {"tools": tools, "tool_choice": _tool_choice(body.get("tool_choice"), {t.name for t in tools})}


def _tool_choice(value: Any, names: set[str]) -> ToolChoice | None:
    if value is None:
        return None
    if value in ("auto", "none", "required"):
        return ToolChoice(value)
    function = value.get("function") if isinstance(value, dict) and value.get("type") == "function" else None
    name = function.get("name") if isinstance(function, dict) else None
    if isinstance(name, str) and name in names:
        return ToolChoice("function", name)
    message = _(
        'tool_choice must be auto, none, required or {"type": "function", "function": {"name": ...}} of a tool.'
    )
    raise RequestError(400, message, param="tool_choice")


def _part(part: Any, param: str) -> TextPart | ImagePart:
    kind = part.get("type") if isinstance(part, dict) else None
    if kind == "text" and isinstance(part.get("text"), str):
        return TextPart(part["text"])
    if kind == "image_url":
        url = (part.get("image_url") or {}).get("url") if isinstance(part.get("image_url"), dict) else None
        if isinstance(url, str) and url.startswith("data:") and ";base64," in url:
            media_type, _, data = url[5:].partition(";base64,")
            return ImagePart(data=data, media_type=media_type)
        if isinstance(url, str) and url.startswith(("https://", "http://")):
            return ImagePart(url=url)
        message = _("%(param)s must be an http(s) or base64 data URL.") % {"param": f"{param}.image_url.url"}
        raise RequestError(400, message, param=param)
    raise RequestError(400, _("%(param)s must be a text or image_url part.") % {"param": param}, param=param)


def number(body: dict[str, Any], name: str, kind: type = float) -> Any:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or (kind is int and not isinstance(value, int)):
        message = _("%(param)s must be a whole number.") if kind is int else _("%(param)s must be a number.")
        raise RequestError(400, message % {"param": name}, param=name)
    return kind(value)


def _sampling(body: dict[str, Any]) -> dict[str, Any]:
    stop = body.get("stop")
    if isinstance(stop, str):
        stop = [stop]
    if stop is not None and not (isinstance(stop, list) and all(isinstance(s, str) for s in stop)):
        raise RequestError(400, _("stop must be a string or an array of strings."), param="stop")
    sampling: dict[str, Any] = {
        "temperature": number(body, "temperature"),
        "top_p": number(body, "top_p"),
        "max_tokens": number(body, "max_completion_tokens", int) or number(body, "max_tokens", int),
        "seed": number(body, "seed", int),
        "presence_penalty": number(body, "presence_penalty"),
        "frequency_penalty": number(body, "frequency_penalty"),
        "stop": tuple(stop or ()),
        "response_format": _response_format(body.get("response_format")),
    }
    effort = body.get("reasoning_effort")
    if effort is not None:
        if effort not in EFFORTS:
            message = _("reasoning_effort must be one of %(values)s.") % {"values": ", ".join(EFFORTS)}
            raise RequestError(400, message, param="reasoning_effort")
        sampling["thinking"] = Thinking(effort=effort)
    return sampling


def _response_format(value: Any) -> ResponseFormat | None:
    if value is None or (isinstance(value, dict) and value.get("type") == "text"):
        return None
    if isinstance(value, dict) and value.get("type") == "json_object":
        return ResponseFormat("json_object")
    schema = value.get("json_schema") if isinstance(value, dict) and value.get("type") == "json_schema" else None
    if isinstance(schema, dict) and isinstance(schema.get("schema"), dict):
        return ResponseFormat(
            "json_schema", schema["schema"], str(schema.get("name") or "output"), bool(schema.get("strict", True))
        )
    raise RequestError(400, _("response_format must be text, json_object or json_schema."), param="response_format")


# --- answers ------------------------------------------------------------------------------------------------
def completion_id() -> str:
    return f"chatcmpl-{uuid.uuid4().hex}"


def usage_json(usage: Usage) -> dict[str, int]:
    prompt, completion = usage.input_tokens or 0, usage.output_tokens or 0
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


FINISH_REASONS = {"end_turn": "stop", "stop_sequence": "stop", "max_tokens": "length", "tool_use": "tool_calls"}


def finish_reason(reason: str | None) -> str:
    """A provider's finish reason in OpenAI's words (Anthropic's ``end_turn`` is ``stop``)."""
    return FINISH_REASONS.get(reason or "stop", reason or "stop")


def tool_calls_json(calls: Sequence[ToolCall]) -> list[dict[str, Any]]:
    return [{"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}} for c in calls]


def completion(
    request: ChatRequest,
    content: str,
    reasoning: str,
    finish: str | None,
    usage: Usage,
    tool_calls: Sequence[ToolCall] = (),
) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if reasoning:
        message["reasoning_content"] = reasoning  # as DeepSeek and vLLM name it
    if tool_calls:
        message["content"] = content or None
        message["tool_calls"] = tool_calls_json(tool_calls)
    return {
        "id": completion_id(),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.public_model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason(finish), "logprobs": None}],
        "usage": usage_json(usage),
    }


def chunk(
    request: ChatRequest, chunk_id: str, delta: dict[str, Any], finish_reason: str | None = None
) -> dict[str, Any]:
    return {
        "id": chunk_id,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": request.public_model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}],
    }


def usage_chunk(request: ChatRequest, chunk_id: str, usage: Usage) -> dict[str, Any]:
    """The last chunk, with ``stream_options.include_usage``: no choices, the usage."""
    return {
        "id": chunk_id,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": request.public_model,
        "choices": [],
        "usage": usage_json(usage),
    }


# --- embeddings -----------------------------------------------------------------------------------------------
@dataclass
class EmbedRequest:
    public_model: str
    inputs: list[str]
    base64: bool


def embed_request(body: Any) -> EmbedRequest:
    """``POST /v1/embeddings``: ``input`` a string or an array of strings; ``encoding_format`` float or base64
    (the SDK asks for base64 unless told otherwise)."""
    if not isinstance(body, dict):
        raise RequestError(400, _("The request body must be a JSON object."))
    name = model_name(body)
    value = body.get("input")
    inputs = [value] if isinstance(value, str) else value
    if not isinstance(inputs, list) or not inputs or not all(isinstance(i, str) and i for i in inputs):
        raise RequestError(400, _("input must be a text or an array of texts."), param="input")
    encoding = body.get("encoding_format") or "float"
    if encoding not in ("float", "base64"):
        raise RequestError(400, _("encoding_format must be float or base64."), param="encoding_format")
    return EmbedRequest(name, inputs, encoding == "base64")


def model_name(body: dict[str, Any]) -> str:
    """The request's ``model``: a route, or credential/model (both formats name it so)."""
    name = body.get("model")
    if not isinstance(name, str) or not name.strip():
        raise RequestError(400, _("Name the model: a route, or credential/model."), param="model")
    return name


def embeddings(request: EmbedRequest, vectors: list[list[float]], usage: Usage) -> dict[str, Any]:
    def encoded(vector: list[float]) -> Any:
        if not request.base64:
            return vector
        return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()

    data = [{"object": "embedding", "index": i, "embedding": encoded(v)} for i, v in enumerate(vectors)]
    prompt = usage.input_tokens or 0
    return {
        "object": "list",
        "data": data,
        "model": request.public_model,
        "usage": {"prompt_tokens": prompt, "total_tokens": prompt},
    }


# --- rerank ---------------------------------------------------------------------------------------------------
# Cohere's shape, as LiteLLM's proxy offers it at /v1/rerank (https://docs.litellm.ai/docs/rerank and
# https://docs.cohere.com/reference/rerank, checked 2026-12-04): documents as texts or {"text": ...}; results
# with index, relevance_score and, with return_documents, the document.
@dataclass
class RerankRequest:
    public_model: str
    query: str
    documents: list[str]
    top_n: int | None
    return_documents: bool


def rerank_request(body: Any) -> RerankRequest:
    if not isinstance(body, dict):
        raise RequestError(400, _("The request body must be a JSON object."))
    name = model_name(body)
    query = body.get("query")
    if not isinstance(query, str) or not query.strip():
        raise RequestError(400, _("query must be a non-empty text."), param="query")
    items = body.get("documents")
    texts = [d.get("text") if isinstance(d, dict) else d for d in items] if isinstance(items, list) else []
    documents = [d for d in texts if isinstance(d, str)]
    if not documents or len(documents) != len(texts):
        message = _('documents must be a non-empty array of texts or of {"text": ...} objects.')
        raise RequestError(400, message, param="documents")
    top_n = body.get("top_n")
    if top_n is not None and (isinstance(top_n, bool) or not isinstance(top_n, int) or top_n < 1):
        raise RequestError(400, _("top_n must be a whole number of 1 or more."), param="top_n")
    keep = body.get("return_documents")
    return RerankRequest(name, query, documents, top_n, True if keep is None else bool(keep))


def reranked(request: RerankRequest, hits: list[RerankHit], usage: Usage) -> dict[str, Any]:
    results = []
    for hit in hits:
        result: dict[str, Any] = {"index": hit.index, "relevance_score": hit.score}
        if request.return_documents:
            text = hit.document if hit.document is not None else request.documents[hit.index]
            result["document"] = {"text": text}
        results.append(result)
    meta: dict[str, Any] = {"billed_units": {"search_units": 1}}
    if usage.input_tokens is not None:
        meta["tokens"] = {"input_tokens": usage.input_tokens, "output_tokens": 0}
    return {"id": f"rerank-{uuid.uuid4().hex}", "model": request.public_model, "results": results, "meta": meta}


# --- audio transcriptions -------------------------------------------------------------------------------------
# https://platform.openai.com/docs/api-reference/audio/createTranscription, checked 2026-12-04: a multipart form
# with file and model, optional language, prompt, response_format (json, text, srt, verbose_json, vtt) and
# temperature. The service layer gives text: json, text and verbose_json are answered.
TRANSCRIPTION_FORMATS = ("json", "text", "verbose_json")


@dataclass
class TranscribeRequest:
    public_model: str
    audio: AudioFile
    language: str | None
    response_format: str


def transcribe_request(fields: dict[str, str], audio: AudioFile | None) -> TranscribeRequest:
    name = model_name(fields)
    if audio is None or not audio.content:
        raise RequestError(400, _("Send the audio as the file field of a multipart form."), param="file")
    form = fields.get("response_format") or "json"
    if form not in TRANSCRIPTION_FORMATS:
        message = _("response_format must be one of: %(formats)s.") % {"formats": ", ".join(TRANSCRIPTION_FORMATS)}
        raise RequestError(400, message, param="response_format")
    return TranscribeRequest(name, audio, fields.get("language") or None, form)


def transcription(request: TranscribeRequest, text: str, usage: Usage) -> dict[str, Any]:
    if request.response_format == "verbose_json":
        return {"task": "transcribe", "language": request.language or "", "text": text, "segments": []}
    answer: dict[str, Any] = {"text": text}
    if usage.input_tokens is not None:
        answer["usage"] = {"type": "tokens", "input_tokens": usage.input_tokens, "total_tokens": usage.input_tokens}
    return answer
