"""The OpenAI-compatible protocol: chat, models, embeddings and transcriptions, Azure's deployment and v1 routes, and
the stream and error quirks of providers that speak it (the flavours: Azure, DeepSeek, Moonshot, Zhipu, Gemini, vLLM).

Model-name switches (any flavour): ``reasoner`` reasons in ``reasoning_content`` before answering (DeepSeek's way);
``think`` opens its content with ``<think>…</think>`` (MiniMax's way), or, when the request has
``reasoning_split: true``, sends the thinking as ``reasoning_details``; ``nousage`` reports no usage at all, not
even with ``stream_options.include_usage``. A ``response_format`` of ``json_object`` or ``json_schema`` makes the
reply a JSON object (``{"echo": …}``); image parts are counted in a ``[1 image] `` prefix.

Tools: with ``tools`` (and a ``tool_choice`` other than ``none``) the reply calls the chosen function, or the
first, with ``{"text": <the last user message>}`` (finish_reason ``tool_calls``; streamed as OpenAI streams it: the
call's id and name, then its arguments in pieces). A conversation that ends with ``tool`` results is answered
``Tool result: <their contents>``; a ``tool`` message that answers no earlier call is refused, as OpenAI does.
"""

from __future__ import annotations

import base64
import binascii
import json
import struct
from collections.abc import Callable
from typing import Any

from fakeprovider.base import BadRequest, Call, Reply, Route, Stream, Wire, bearer, json_reply, phrase, sse
from fakeprovider.echo import dimensions_of, echo, inputs_of, pieces, prompt_tokens, tokens, vector

CREATED = 1730000000
MODEL_IDS = ("echo-1", "echo-2", "embed-1", "rerank-1", "whisper-1")
REASONING = "The user wants an echo."
AZURE_FILTER_CHUNK = {"id": "", "choices": [], "created": 0, "model": "", "object": "", "prompt_filter_results": []}
PLAIN_TRANSCRIPTS = {
    "text": "{text}",
    "srt": "1\n00:00:00,000 --> 00:00:01,000\n{text}\n",
    "vtt": "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n{text}\n",
}


# --- Chat. ---


def chat(call: Call) -> Reply | Stream:
    messages = call.body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise BadRequest("Missing required parameter: 'messages'.")
    _check_tool_messages(messages)
    tool = _tool_to_call(call, messages)
    if tool is not None:
        return _tool_call_reply(call, tool, messages)
    reply = _images_note(messages) + echo(messages)
    if isinstance(messages[-1], dict) and messages[-1].get("role") == "tool":
        results: list[str] = []
        for message in reversed(messages):
            if not (isinstance(message, dict) and message.get("role") == "tool"):
                break
            results.insert(0, str(message.get("content") or ""))
        reply = "Tool result: " + "; ".join(results)
    if _json_reply(call):
        reply = json.dumps({"echo": reply}, ensure_ascii=False)
    used = tokens(reply)
    usage = {
        "prompt_tokens": prompt_tokens(messages),
        "completion_tokens": used,
        "total_tokens": prompt_tokens(messages) + used,
    }
    if call.body.get("stream"):
        return _chat_stream(call, reply, usage)
    return json_reply(_completion(call, reply, usage))


def _check_tool_messages(messages: list[Any]) -> None:
    asked: set[str] = set()
    for message in messages:
        if not isinstance(message, dict):
            continue
        for item in message.get("tool_calls") or []:
            asked.add(str((item or {}).get("id")))
        if message.get("role") == "tool" and message.get("tool_call_id") not in asked:
            raise BadRequest(
                "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with "
                "'tool_calls'."
            )


def _tool_to_call(call: Call, messages: list[Any]) -> str | None:
    tools = call.body.get("tools")
    choice = call.body.get("tool_choice")
    if not isinstance(tools, list) or not tools or choice == "none":
        return None
    if isinstance(messages[-1], dict) and messages[-1].get("role") == "tool":
        return None
    if isinstance(choice, dict):
        return str((choice.get("function") or {}).get("name"))
    first = tools[0].get("function") if isinstance(tools[0], dict) else None
    if not isinstance(first, dict) or not first.get("name"):
        raise BadRequest("Invalid 'tools[0]': expected an object with type 'function' and a function name.")
    return str(first["name"])


def _tool_call_reply(call: Call, name: str, messages: list[Any]) -> Reply | Stream:
    users = [m for m in messages if isinstance(m, dict) and m.get("role") == "user"]
    arguments = json.dumps({"text": echo(users[-1:]).removeprefix("Echo: ")}, ensure_ascii=False)
    used = tokens(arguments)
    usage = {"prompt_tokens": prompt_tokens(messages), "completion_tokens": used}
    usage["total_tokens"] = usage["prompt_tokens"] + used
    if call.body.get("stream"):
        start = {"index": 0, "id": "call_fake_1", "type": "function", "function": {"name": name, "arguments": ""}}
        chunks = [_chunk(call, {"role": "assistant", "content": None, "tool_calls": [start]})]
        chunks += [
            _chunk(call, {"tool_calls": [{"index": 0, "function": {"arguments": p}}]}) for p in pieces(arguments)
        ]
        coda = [_chunk(call, {}, finish_reason="tool_calls")]
        if _include_usage(call):
            coda.append(sse({**_chunk_fields(call), "choices": [], "usage": usage}))
        coda.append(b"data: [DONE]\n\n")
        return Stream("text/event-stream; charset=utf-8", [], chunks, coda)
    function = {"name": name, "arguments": arguments}
    message = {
        "role": "assistant",
        "content": None,
        "tool_calls": [{"id": "call_fake_1", "type": "function", "function": function}],
    }
    completion = {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": CREATED,
        "model": call.model,
        "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls", "logprobs": None}],
        "usage": usage,
    }
    return json_reply(completion)


def _mode(call: Call) -> str:
    """How the reply carries its thinking: "reasoner", "inline" (``<think>``), "split" (``reasoning_details``), ""."""
    name = call.model.lower()
    if call.flavor == "deepseek" or "reasoner" in name:
        return "reasoner"
    if "think" in name:
        return "split" if call.body.get("reasoning_split") is True else "inline"
    return ""


def _json_reply(call: Call) -> bool:
    response_format = call.body.get("response_format")
    return isinstance(response_format, dict) and response_format.get("type") in {"json_object", "json_schema"}


def _images_note(messages: list[Any]) -> str:
    """ "[2 images] " when the last user message has ``image_url`` parts (each data URL decoded), else nothing."""
    users = [m for m in messages if isinstance(m, dict) and m.get("role") == "user"]
    content = users[-1].get("content") if users else None
    parts = [p for p in content if isinstance(p, dict)] if isinstance(content, list) else []
    urls = [part.get("image_url") for part in parts if part.get("type") == "image_url"]
    for url in urls:
        _check_image_url(url)
    if not urls:
        return ""
    return f"[{len(urls)} image{'s' if len(urls) > 1 else ''}] "


def _check_image_url(image_url: Any) -> None:
    url = image_url.get("url") if isinstance(image_url, dict) else None
    if not isinstance(url, str) or not url.startswith(("data:", "http://", "https://")):
        raise BadRequest("Invalid image_url: expected an object with an http(s) or data URL.")
    if url.startswith("data:"):
        header, _, data = url.partition(",")
        try:
            base64.b64decode(data, validate=True)
        except (TypeError, binascii.Error):
            raise BadRequest("Invalid base64 image data in image_url.") from None
        if not header.endswith(";base64") or not header.removeprefix("data:").startswith("image/"):
            raise BadRequest("Invalid image_url: a data URL must be data:image/...;base64,...")


def _thinking_text(reply: str) -> str:
    return f"<think>\n{REASONING}\n</think>\n\n{reply}"


def _completion(call: Call, reply: str, usage: dict[str, int]) -> dict[str, Any]:
    mode = _mode(call)
    message: dict[str, Any] = {"role": "assistant", "content": _thinking_text(reply) if mode == "inline" else reply}
    if mode == "reasoner":
        message["reasoning_content"] = REASONING
    if mode == "split":
        message["reasoning_details"] = [{"type": "reasoning.text", "id": "reasoning-text-1", "text": REASONING}]
    details = {"prompt_tokens_details": {"cached_tokens": 0}, "completion_tokens_details": {"reasoning_tokens": 0}}
    completion: dict[str, Any] = {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": CREATED,
        "model": call.model,
        "choices": [{"index": 0, "message": message, "finish_reason": "stop", "logprobs": None}],
    }
    if "nousage" not in call.model.lower():
        completion["usage"] = {**usage, **details}
    return completion


def _chat_stream(call: Call, reply: str, usage: dict[str, int]) -> Stream:
    """The chat stream, with the flavours' quirks.

    Azure's filter chunk, DeepSeek's keep-alives and reasoning, Moonshot's usage.
    """
    flavor = call.flavor
    prelude = [_chunk(call, {"role": "assistant", "content": ""})]
    if flavor == "azure":
        prelude.insert(0, sse(AZURE_FILTER_CHUNK))
    if flavor == "deepseek":
        prelude[:0] = [b": keep-alive\n\n", b": keep-alive\n\n"]
    chunks = [_chunk(call, delta) for delta in _deltas(_mode(call), reply)]
    reports = "nousage" not in call.model.lower()
    coda = [_chunk(call, {}, finish_reason="stop", choice_usage=usage if flavor == "moonshot" and reports else None)]
    if flavor != "moonshot" and reports and _include_usage(call):
        coda.append(sse({**_chunk_fields(call), "choices": [], "usage": usage}))
    coda.append(b"data: [DONE]\n\n")
    return Stream("text/event-stream; charset=utf-8", prelude, chunks, coda)


def _deltas(mode: str, reply: str) -> list[dict[str, Any]]:
    """Four-character pieces; an inline ``<think>`` block is cut the same way, so its tags span chunks."""
    if mode == "inline":
        return [{"content": piece} for piece in pieces(_thinking_text(reply))]
    if mode == "split":  # MiniMax sends each delta's new reasoning text
        details = [
            {"content": "", "reasoning_details": [{"type": "reasoning.text", "id": "reasoning-text-1", "text": p}]}
            for p in pieces(REASONING)
        ]
        return details + [{"content": piece} for piece in pieces(reply)]
    if mode != "reasoner":
        return [{"content": piece} for piece in pieces(reply)]
    thinking = [{"content": None, "reasoning_content": piece} for piece in pieces(REASONING)]
    return thinking + [{"content": piece, "reasoning_content": None} for piece in pieces(reply)]


def _chunk_fields(call: Call) -> dict[str, Any]:
    return {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": CREATED, "model": call.model}


def _chunk(
    call: Call, delta: dict[str, Any], *, finish_reason: str | None = None, choice_usage: dict[str, int] | None = None
) -> bytes:
    choice: dict[str, Any] = {"index": 0, "delta": delta, "finish_reason": finish_reason}
    if choice_usage:
        choice["usage"] = choice_usage
    return sse({**_chunk_fields(call), "choices": [choice], "usage": None})


def _include_usage(call: Call) -> bool:
    options = call.body.get("stream_options")
    return isinstance(options, dict) and options.get("include_usage") is True


# --- Models, embeddings, transcriptions. ---


def models(call: Call) -> Reply:
    prefix = "models/" if call.flavor == "gemini" else ""
    data = [{"id": prefix + id_, "object": "model", "created": CREATED, "owned_by": "fake"} for id_ in MODEL_IDS]
    return json_reply({"object": "list", "data": data})


def embeddings(call: Call) -> Reply:
    texts = inputs_of(call.body.get("input"))
    dimensions = dimensions_of(call.body)
    as_base64 = call.body.get("encoding_format") == "base64"
    data = [
        {"object": "embedding", "index": i, "embedding": _encode(vector(text, dimensions), as_base64)}
        for i, text in enumerate(texts)
    ]
    used = sum(tokens(text) for text in texts)
    return json_reply(
        {"object": "list", "data": data, "model": call.model, "usage": {"prompt_tokens": used, "total_tokens": used}}
    )


def _encode(values: list[float], as_base64: bool) -> list[float] | str:
    """Floats, or (``encoding_format: base64``, the SDK's default) little-endian float32 bytes in base64."""
    return base64.b64encode(struct.pack(f"<{len(values)}f", *values)).decode() if as_base64 else values


def transcriptions(call: Call) -> Reply:
    upload = call.form.get("file")
    if upload is None or not call.model:  # on Azure the deployment names the model
        raise BadRequest(f"Missing required parameter: '{'file' if upload is None else 'model'}'.")
    text = f"transcript of {upload.filename or 'file'} ({len(upload.data)} bytes)"
    response_format = call.form["response_format"].text if "response_format" in call.form else "json"
    if response_format in PLAIN_TRANSCRIPTS:
        body = PLAIN_TRANSCRIPTS[response_format].format(text=text).encode()
        return Reply(200, body, {"content-type": "text/plain; charset=utf-8"})
    return json_reply({"text": text})


# --- Errors: OpenAI's shape, and each flavour's own. ---

OPENAI_ERRORS: dict[int, tuple[str, str | None, str]] = {  # status: (type, code, message)
    400: ("invalid_request_error", None, "We could not parse the JSON body of your request."),
    401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided."),
    403: ("request_forbidden", "unsupported_country_region_territory", "Country, region, or territory not supported"),
    404: ("invalid_request_error", "model_not_found", "The model does not exist or you do not have access to it."),
    408: ("timeout_error", None, "Request timed out."),
    409: ("conflict_error", None, "Another request with the same idempotency key is in progress."),
    422: ("invalid_request_error", None, "Unprocessable entity."),
    429: ("requests", "rate_limit_exceeded", "Rate limit reached for requests. Please try again in 1s."),
    500: ("server_error", None, "The server had an error while processing your request. Sorry about that!"),
    502: ("server_error", None, "Bad gateway."),
    503: ("server_error", None, "The engine is currently overloaded, please try again later."),
    529: ("server_error", None, "Overloaded"),
}
CONTEXT_ERROR = (
    "invalid_request_error",
    "context_length_exceeded",
    "This model's maximum context length is 8192 tokens. However, your messages resulted in 8227 tokens. "
    "Please reduce the length of the messages.",
)
ErrorBuilder = Callable[[int, str, str | None], Reply]


def _openai_fields(status: int, kind: str, message: str | None) -> tuple[str, str | None, str]:
    type_, code, default = CONTEXT_ERROR if kind == "context" else OPENAI_ERRORS.get(status, ("api_error", None, ""))
    return type_, code, message or default or phrase(status)


def _openai_error(status: int, kind: str, message: str | None) -> Reply:
    type_, code, text = _openai_fields(status, kind, message)
    param = "messages" if kind == "context" else None
    return json_reply({"error": {"message": text, "type": type_, "param": param, "code": code}}, status)


AZURE_MESSAGES = {
    401: "Access denied due to invalid subscription key or wrong API endpoint.",
    404: "Resource not found",
    429: "Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded "
    "token rate limit of your current pricing tier. Please retry after 1 second.",
}


def _azure_error(status: int, kind: str, message: str | None) -> Reply:
    """String codes such as "401"; the context error is OpenAI's, passed through."""
    if kind == "context":
        return _openai_error(status, kind, message)
    text = message or AZURE_MESSAGES.get(status) or _openai_fields(status, kind, None)[2]
    return json_reply({"error": {"code": str(status), "message": text}}, status)


GOOGLE_STATUSES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    408: "DEADLINE_EXCEEDED",
    409: "ABORTED",
    422: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    529: "UNAVAILABLE",
}
GEMINI_MESSAGES = {
    "auth": "API key not valid. Please pass a valid API key.",
    "context": "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).",
    "429": "Resource has been exhausted (e.g. check quota).",
    "503": "The model is overloaded. Please try again later.",
}


def _gemini_error(status: int, kind: str, message: str | None) -> Reply:
    """A top-level JSON array; a bad key is a 400 INVALID_ARGUMENT, not a 401."""
    status = 400 if kind == "auth" else status
    text = message or GEMINI_MESSAGES.get(kind or str(status)) or phrase(status)
    error = {"code": status, "message": text, "status": GOOGLE_STATUSES.get(status, "UNKNOWN")}
    return json_reply([{"error": error}], status)


ZHIPU_ERRORS = {  # status or kind: (business code, message)
    "400": ("1214", "参数非法, 请检查文档"),
    "401": ("1002", "Authorization Token非法"),
    "404": ("1211", "模型不存在, 请检查模型代码"),
    "429": ("1302", "您当前使用该API的并发数过高, 请降低并发, 或联系客服增加限额"),
    "500": ("500", "Internal Error"),
    "context": ("1261", "Prompt exceeds max length"),
}


def _zhipu_error(status: int, kind: str, message: str | None) -> Reply:
    code, default = ZHIPU_ERRORS.get("context" if kind == "context" else str(status), (str(status), phrase(status)))
    return json_reply({"error": {"code": code, "message": message or default}}, status)


VLLM_TYPES = {404: "NotFoundError", 501: "NotImplementedError"}
VLLM_CONTEXT = (
    "This model's maximum context length is 4096 tokens. However, you requested 4500 tokens in the messages, "
    "Please reduce the length of the messages."
)


def _vllm_error(status: int, kind: str, message: str | None) -> Reply:
    """A flat ``{"error": "Unauthorized"}`` for 401 (the API-key middleware); otherwise an integer ``code``."""
    if status == 401:
        return json_reply({"error": "Unauthorized"}, 401)
    text = message or (VLLM_CONTEXT if kind == "context" else _openai_fields(status, "", None)[2])
    type_ = VLLM_TYPES.get(status) or ("InternalServerError" if status >= 500 else "BadRequestError")
    return json_reply({"error": {"message": text, "type": type_, "param": None, "code": status}}, status)


MOONSHOT_ERRORS = {  # status or kind: (type, message)
    "401": ("invalid_authentication_error", "Invalid Authentication"),
    "403": ("exceeded_current_quota_error", "Your account is suspended, please check your plan and billing details"),
    "404": ("resource_not_found_error", "Not found the model or Permission denied"),
    "429": ("rate_limit_reached_error", "We're receiving too many requests, please try again later"),
    "503": ("engine_overloaded_error", "The engine is currently overloaded, please try again later"),
    "context": (
        "invalid_request_error",
        "Invalid request: Your request exceeded model token limit: 262144 (requested: 269030)",
    ),
}


def _moonshot_error(status: int, kind: str, message: str | None) -> Reply:
    fallback = _openai_fields(status, kind, None)
    type_, default = MOONSHOT_ERRORS.get("context" if kind == "context" else str(status), (fallback[0], fallback[2]))
    return json_reply({"error": {"message": message or default, "type": type_}}, status)


FLAVOR_ERRORS: dict[str, ErrorBuilder] = {
    "azure": _azure_error,
    "gemini": _gemini_error,
    "zhipu": _zhipu_error,
    "vllm": _vllm_error,
    "moonshot": _moonshot_error,
}


class OpenAIWire(Wire):
    """``Authorization: Bearer``; errors in the flavour's format (OpenAI's by default, also for DeepSeek).

    A request without a key is served, as self-hosted OpenAI-compatible servers (vLLM without --api-key,
    Xinference, Ollama's /v1) do; the key ``invalid`` is refused.
    """

    requires_key = False

    def error(self, call: Call, status: int, *, kind: str = "", message: str | None = None) -> Reply:
        return FLAVOR_ERRORS.get(call.flavor, _openai_error)(status, kind, message)

    def stream_error(self, call: Call) -> bytes:
        return sse({"error": {"message": "overloaded", "type": "server_error"}})


class AzureWire(OpenAIWire):
    """The ``api-key`` header (or an Entra bearer token) and a required ``api-version`` query parameter."""

    flavor = "azure"
    requires_key = True

    def credential(self, call: Call) -> str | None:
        return call.headers.get("api-key") or bearer(call.headers)

    def precheck(self, call: Call) -> Reply | None:
        if "api-version" not in call.query:
            return call.error(404)
        if call.params.get("model", "").startswith("missing"):  # a deployment this resource does not have
            return json_reply(DEPLOYMENT_NOT_FOUND, 404)
        return None


class AzureV1Wire(AzureWire):
    """Azure's GA v1 API (``/openai/v1/…``): no ``api-version``; the body's ``model`` names the deployment."""

    def precheck(self, call: Call) -> Reply | None:
        if call.request.method == "POST" and call.model.startswith("missing"):
            return json_reply(DEPLOYMENT_NOT_FOUND, 404)
        return None


# Azure OpenAI's 404 for a deployment the resource does not have.
DEPLOYMENT_NOT_FOUND = {
    "error": {
        "code": "DeploymentNotFound",
        "message": "The API deployment for this resource does not exist. If you created the deployment within the "
        "last 5 minutes, please wait a moment and try again.",
    }
}
OPENAI = OpenAIWire()
AZURE = AzureWire()
AZURE_V1 = AzureV1Wire()
V1 = "(?:/v1)?"
DEPLOYMENT = "/openai/deployments/(?P<model>[^/]+)"

ROUTES = [
    Route("POST", f"{V1}/chat/completions", OPENAI, chat),
    Route("GET", f"{V1}/models", OPENAI, models),
    Route("POST", f"{V1}/embeddings", OPENAI, embeddings),
    Route("POST", f"{V1}/audio/transcriptions", OPENAI, transcriptions),
    Route("POST", f"{DEPLOYMENT}/chat/completions", AZURE, chat),
    Route("POST", f"{DEPLOYMENT}/embeddings", AZURE, embeddings),
    Route("POST", f"{DEPLOYMENT}/audio/transcriptions", AZURE, transcriptions),
    Route("GET", "/openai/models", AZURE, models),
    # The v1 model list names Azure's base models, not the resource's deployments (ModelDesk lists those from the
    # credential); it is served so a key can be checked.
    Route("POST", "/openai/v1/chat/completions", AZURE_V1, chat),
    Route("POST", "/openai/v1/embeddings", AZURE_V1, embeddings),
    Route("POST", "/openai/v1/audio/transcriptions", AZURE_V1, transcriptions),
    Route("GET", "/openai/v1/models", AZURE_V1, models),
]
