"""The Anthropic Messages API: ``POST /v1/messages`` (JSON or named-event SSE) and ``GET /v1/models``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fakeprovider.base import BadRequest, Call, Reply, Route, Stream, Wire, bearer, json_reply, phrase, sse
from fakeprovider.echo import echo, pieces, prompt_tokens, text_of, tokens

MODEL_IDS = ("echo-1", "echo-2")
CREATED_AT = "2025-01-01T00:00:00Z"
HEADERS = {"request-id": "req_fake"}
ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}
ERROR_MESSAGES = {
    401: "invalid x-api-key",
    403: "Your API key does not have permission to use the specified resource.",
    404: "model: not found",
    429: "Number of request tokens has exceeded your per-minute rate limit.",
    500: "Internal server error",
    529: "Overloaded",
}
CONTEXT_MESSAGE = "prompt is too long: 250000 tokens > 200000 maximum"


class AnthropicWire(Wire):
    """``x-api-key`` (or a bearer auth token) and ``{"type": "error", "error": {...}, "request_id": ...}`` errors."""

    def credential(self, call: Call) -> str | None:
        return call.headers.get("x-api-key") or bearer(call.headers)

    def error(self, call: Call, status: int, *, kind: str = "", message: str | None = None) -> Reply:
        type_ = ERROR_TYPES.get(status) or ("api_error" if status >= 500 else "invalid_request_error")
        default = CONTEXT_MESSAGE if kind == "context" else ERROR_MESSAGES.get(status, phrase(status))
        error = {"type": type_, "message": message or default}
        return json_reply({"type": "error", "error": error, "request_id": "req_fake"}, status, headers=HEADERS)

    def stream_error(self, call: Call) -> bytes:
        return sse({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}, "error")


def messages(call: Call) -> Reply | Stream:
    _require_version(call)
    turns = _validated_turns(call.body)
    reply = echo(turns)
    system = text_of(call.body.get("system"))
    usage = {
        "input_tokens": prompt_tokens(turns, *([system] if system else [])),
        "output_tokens": tokens(reply),
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
    }
    if call.body.get("stream"):
        return _stream(call, reply, usage)
    return json_reply(_message(call, [{"type": "text", "text": reply}], "end_turn", usage), headers=HEADERS)


def _validated_turns(body: Mapping[str, Any]) -> list[Any]:
    if not isinstance(body.get("max_tokens"), int):
        raise BadRequest("max_tokens: Field required")
    turns = body.get("messages")
    if not isinstance(turns, list) or not turns:
        raise BadRequest("messages: Field required")
    roles = [turn.get("role") if isinstance(turn, dict) else None for turn in turns]
    for role in roles:
        if role not in ("user", "assistant"):
            raise BadRequest(
                f'messages: Unexpected role "{role}". The Messages API accepts a top-level `system` parameter, '
                'not "system" as an input message role.'
            )
    return turns


def _message(call: Call, content: list[Any], stop_reason: str | None, usage: dict[str, int]) -> dict[str, Any]:
    return {
        "id": "msg_fake",
        "type": "message",
        "role": "assistant",
        "model": call.model,
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": usage,
    }


def _stream(call: Call, reply: str, usage: dict[str, int]) -> Stream:
    """Input tokens arrive in ``message_start``, the final output tokens in ``message_delta``."""
    start = _message(call, [], None, {**usage, "output_tokens": 1})
    prelude = [
        _event("message_start", message=start),
        _event("content_block_start", index=0, content_block={"type": "text", "text": ""}),
        _event("ping"),
    ]
    chunks = [
        _event("content_block_delta", index=0, delta={"type": "text_delta", "text": piece}) for piece in pieces(reply)
    ]
    coda = [
        _event("content_block_stop", index=0),
        _event(
            "message_delta",
            delta={"stop_reason": "end_turn", "stop_sequence": None},
            usage={"output_tokens": usage["output_tokens"]},
        ),
        _event("message_stop"),
    ]
    return Stream("text/event-stream; charset=utf-8", prelude, chunks, coda, headers=HEADERS)


def _event(type_: str, **fields: Any) -> bytes:
    return sse({"type": type_, **fields}, type_)


def models(call: Call) -> Reply:
    """One page of models; ``limit`` and ``after_id`` page through them."""
    _require_version(call)
    ids = list(MODEL_IDS)
    if after := call.query.get("after_id"):
        ids = ids[ids.index(after) + 1 :] if after in ids else []
    limit_text = call.query.get("limit", "20")
    limit = int(limit_text) if limit_text.isdigit() else 20
    page = [{"type": "model", "id": id_, "display_name": id_.title(), "created_at": CREATED_AT} for id_ in ids[:limit]]
    body = {
        "data": page,
        "has_more": len(ids) > limit,
        "first_id": page[0]["id"] if page else None,
        "last_id": page[-1]["id"] if page else None,
    }
    return json_reply(body, headers=HEADERS)


def _require_version(call: Call) -> None:
    if not call.headers.get("anthropic-version"):
        raise BadRequest("anthropic-version: header is required")


def _is_anthropic(headers: Mapping[str, str]) -> bool:
    """``GET /v1/models`` is shared with OpenAI; Anthropic's clients send these headers."""
    return "anthropic-version" in headers or "x-api-key" in headers


WIRE = AnthropicWire()
ROUTES = [
    Route("POST", "/v1/messages", WIRE, messages),
    Route("GET", "/v1/models", WIRE, models, when=_is_anthropic),
]
