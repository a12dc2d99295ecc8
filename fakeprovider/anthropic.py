"""The Anthropic Messages API: ``POST /v1/messages`` (JSON or named-event SSE) and ``GET /v1/models``.

Honoured: image blocks (``base64`` or ``url`` source; the reply starts "[1 image] "), ``stop_sequences`` (the reply
is cut before the first one), ``thinking`` (``enabled`` with a budget of at least 1024 below ``max_tokens``, or
``adaptive``: a thinking block comes first, empty when ``display`` is ``omitted``; ``disabled``: none).
A model whose name contains ``-cached`` reports all but one prompt token as read from the prompt cache.
Tools: with ``tools`` (and a ``tool_choice`` other than ``none``) the reply is a ``tool_use`` block calling the
chosen tool, or the first, with ``{"text": <the last user text>}`` (stop_reason ``tool_use``; streamed with
``input_json_delta`` pieces). A user turn of ``tool_result`` blocks is answered ``Tool result: <their contents>``;
a result for no earlier ``tool_use`` is refused.
"""

from __future__ import annotations

import json
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
THINKING = "The user wants an echo."
SIGNATURE = "sig_fake"
IMAGE_SOURCES = {"base64": ("media_type", "data"), "url": ("url",)}


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
    results = _tool_results(turns)
    tool = _tool_to_call(call.body) if not results else None
    if tool is not None:
        return _tool_use(call, tool, turns)
    thinking = _thinking(call.body)
    said = "Tool result: " + "; ".join(results) if results else _images_note(turns) + echo(turns)
    reply, sequence = _stopped(said, call.body.get("stop_sequences"))
    system = text_of(call.body.get("system"))
    usage = _usage(call, prompt_tokens(turns, *([system] if system else [])), reply, thinking)
    if call.body.get("stream"):
        return _stream(call, reply, thinking, sequence, usage)
    content = [_thinking_block(thinking)] if thinking is not None else []
    content.append({"type": "text", "text": reply})
    return json_reply(_message(call, content, usage, sequence, done=True), headers=HEADERS)


def _tool_results(turns: list[Any]) -> list[str]:
    """The contents of the last user turn's ``tool_result`` blocks, each checked against an earlier tool_use."""
    asked = {
        str(block.get("id"))
        for turn in turns
        if turn.get("role") == "assistant" and isinstance(turn.get("content"), list)
        for block in turn["content"]
        if isinstance(block, dict) and block.get("type") == "tool_use"
    }
    content = turns[-1].get("content")
    blocks = [b for b in content if isinstance(b, dict)] if isinstance(content, list) else []
    results = [b for b in blocks if b.get("type") == "tool_result"]
    for block in results:
        if block.get("tool_use_id") not in asked:
            raise BadRequest(
                "messages: `tool_result` block(s) provided when previous message does not contain any `tool_use` blocks"
            )
    return [
        text_of(b.get("content")) if isinstance(b.get("content"), list) else str(b.get("content") or "")
        for b in results
    ]


def _tool_to_call(body: Mapping[str, Any]) -> str | None:
    tools = body.get("tools")
    choice = body.get("tool_choice") or {}
    if not isinstance(tools, list) or not tools or (isinstance(choice, dict) and choice.get("type") == "none"):
        return None
    if isinstance(choice, dict) and choice.get("type") == "tool":
        return str(choice.get("name"))
    if not isinstance(tools[0], dict) or not tools[0].get("name") or not isinstance(tools[0].get("input_schema"), dict):
        raise BadRequest("tools.0: each tool needs a name and an input_schema")
    return str(tools[0]["name"])


def _tool_use(call: Call, name: str, turns: list[Any]) -> Reply | Stream:
    users = [turn for turn in turns if turn.get("role") == "user"]
    arguments = {"text": echo(users[-1:]).removeprefix("Echo: ")}
    encoded = json.dumps(arguments, ensure_ascii=False)
    usage = {"input_tokens": prompt_tokens(turns), "output_tokens": tokens(encoded)}
    block = {"type": "tool_use", "id": "toolu_fake_1", "name": name, "input": arguments}
    done = {"stop_reason": "tool_use", "stop_sequence": None}
    if not call.body.get("stream"):
        return json_reply({**_message(call, [block], usage), **done}, headers=HEADERS)
    prelude = [_event("message_start", message=_message(call, [], {**usage, "output_tokens": 1}))]
    chunks = [_event("content_block_start", index=0, content_block={**block, "input": {}})]
    chunks += [
        _event("content_block_delta", index=0, delta={"type": "input_json_delta", "partial_json": piece})
        for piece in pieces(encoded)
    ]
    coda = [
        _event("content_block_stop", index=0),
        _event("message_delta", delta=done, usage={"output_tokens": usage["output_tokens"]}),
        _event("message_stop"),
    ]
    return Stream("text/event-stream; charset=utf-8", prelude, chunks, coda, headers=HEADERS)


def _usage(call: Call, prompt: int, reply: str, thinking: str | None) -> dict[str, Any]:
    """Thinking counts as output; with ``-cached`` in the model name the prompt is read from the cache."""
    read = prompt - 1 if "-cached" in call.model else 0
    output = tokens(reply) + (tokens(THINKING) if thinking is not None else 0)
    usage: dict[str, Any] = {
        "input_tokens": prompt - read,
        "output_tokens": output,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": read,
    }
    if thinking is not None:
        usage["output_tokens_details"] = {"thinking_tokens": tokens(THINKING)}
    return usage


def _thinking(body: Mapping[str, Any]) -> str | None:
    """The thinking text to send (blank when omitted), or None when the request does not ask for thinking."""
    config = body.get("thinking")
    if config is None:
        return None
    kind = config.get("type") if isinstance(config, dict) else None
    if kind == "disabled":
        return None
    if kind == "enabled":
        budget = config.get("budget_tokens")
        if not isinstance(budget, int) or budget < 1024:
            raise BadRequest("thinking.enabled.budget_tokens: Input should be greater than or equal to 1024")
        if budget >= body["max_tokens"]:
            raise BadRequest("`max_tokens` must be greater than `thinking.budget_tokens`.")
    elif kind != "adaptive":
        raise BadRequest("thinking.type: Input should be 'enabled', 'adaptive' or 'disabled'")
    return "" if config.get("display") == "omitted" else THINKING


def _thinking_block(thinking: str) -> dict[str, str]:
    return {"type": "thinking", "thinking": thinking, "signature": SIGNATURE}


def _stopped(reply: str, stops: Any) -> tuple[str, str | None]:
    """The reply cut before the first stop sequence it contains, and that sequence (None: none found)."""
    found = [(reply.find(s), s) for s in stops or () if isinstance(s, str) and s and s in reply]
    if not found:
        return reply, None
    at, sequence = min(found)
    return reply[:at], sequence


def _stop_fields(sequence: str | None) -> dict[str, Any]:
    return {"stop_reason": "stop_sequence" if sequence else "end_turn", "stop_sequence": sequence}


def _images_note(turns: list[Any]) -> str:
    """ "[2 images] " when the last user turn holds image blocks (each source checked), else nothing."""
    users = [turn for turn in turns if turn.get("role") == "user"]
    content = users[-1].get("content") if users else None
    blocks = [b for b in content if isinstance(b, dict)] if isinstance(content, list) else []
    sources = [block.get("source") for block in blocks if block.get("type") == "image"]
    for source in sources:
        _check_image_source(source)
    if not sources:
        return ""
    return f"[{len(sources)} image{'s' if len(sources) > 1 else ''}] "


def _check_image_source(source: Any) -> None:
    kind = source.get("type") if isinstance(source, dict) else None
    needed = IMAGE_SOURCES.get(kind) if isinstance(kind, str) else None
    if needed is None or not all(source.get(name) for name in needed):
        raise BadRequest("image.source: needs type base64 (with media_type and data) or url (with url)")


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


def _message(
    call: Call, content: list[Any], usage: dict[str, Any], sequence: str | None = None, *, done: bool = False
) -> dict[str, Any]:
    """The message object; ``done=False`` is the one ``message_start`` carries, before it has stopped."""
    stop = _stop_fields(sequence) if done else {"stop_reason": None, "stop_sequence": None}
    return {
        "id": "msg_fake",
        "type": "message",
        "role": "assistant",
        "model": call.model,
        "content": content,
        **stop,
        "usage": usage,
    }


def _stream(call: Call, reply: str, thinking: str | None, sequence: str | None, usage: dict[str, Any]) -> Stream:
    """Input tokens arrive in ``message_start``, the final output tokens in ``message_delta``. A thinking block
    (``thinking_delta`` pieces, then its ``signature_delta``) comes before the text block."""
    start_usage = {key: value for key, value in usage.items() if key != "output_tokens_details"}
    prelude = [_event("message_start", message=_message(call, [], {**start_usage, "output_tokens": 1}))]
    chunks = _thinking_events(thinking) if thinking is not None else []
    text = 1 if thinking is not None else 0
    text_start = _event("content_block_start", index=text, content_block={"type": "text", "text": ""})
    (chunks if thinking is not None else prelude).append(text_start)
    prelude.append(_event("ping"))
    chunks += [
        _event("content_block_delta", index=text, delta={"type": "text_delta", "text": piece})
        for piece in pieces(reply)
    ]
    final = {key: value for key, value in usage.items() if key in ("output_tokens", "output_tokens_details")}
    coda = [
        _event("content_block_stop", index=text),
        _event("message_delta", delta=_stop_fields(sequence), usage=final),
        _event("message_stop"),
    ]
    return Stream("text/event-stream; charset=utf-8", prelude, chunks, coda, headers=HEADERS)


def _thinking_events(thinking: str) -> list[bytes]:
    """One thinking block at index 0: its start, the thinking in pieces, the signature, its stop."""
    deltas = [{"type": "thinking_delta", "thinking": piece} for piece in pieces(thinking)]
    deltas.append({"type": "signature_delta", "signature": SIGNATURE})
    return [
        _event("content_block_start", index=0, content_block={"type": "thinking", "thinking": "", "signature": ""}),
        *(_event("content_block_delta", index=0, delta=delta) for delta in deltas),
        _event("content_block_stop", index=0),
    ]


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
