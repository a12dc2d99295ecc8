"""Anthropic's Messages format (``POST /v1/messages``), read into the service layer's terms and written back, so
that Anthropic SDK clients, and the tools built on them, can call any route.

Sources, checked 2026-12-04: the Messages API reference (https://docs.anthropic.com/en/api/messages), streaming
(https://docs.anthropic.com/en/docs/build-with-claude/streaming: ``message_start``, ``content_block_start``,
``ping``, ``content_block_delta``, ``content_block_stop``, ``message_delta``, ``message_stop``, and an ``error``
event), errors (https://docs.anthropic.com/en/api/errors), and the shapes anthropic-sdk-python 2.17 sends and parses
(``resources/messages``, ``types/message.py``, ``raw_message_stream_event.py``, ``output_config_param.py``).
That SDK's ``messages.create`` no longer takes ``temperature``, ``top_p`` or ``top_k``; it has ``output_config``
(``effort``, and a JSON schema ``format``). Both are read: older clients still send the sampling parameters.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from wire.types import ImagePart, Message, ResponseFormat, TextPart, Thinking, Tool, ToolCall, ToolChoice, Usage

from .openai_format import ChatRequest, RequestError, model_name, number

ROLES = ("user", "assistant")
EFFORTS = {"low": "low", "medium": "medium", "high": "high", "xhigh": "high", "max": "high"}
ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    503: "overloaded_error",
    529: "overloaded_error",
}
STOP_REASONS = {
    "stop": "end_turn",
    "end_turn": "end_turn",
    "length": "max_tokens",
    "max_tokens": "max_tokens",
    "stop_sequence": "stop_sequence",
    "tool_calls": "tool_use",
    "tool_use": "tool_use",
    "content_filter": "refusal",
    "refusal": "refusal",
}


def error_body(error: RequestError) -> dict[str, Any]:
    kind = ERROR_TYPES.get(error.status, "invalid_request_error" if error.status < 500 else "api_error")
    return {"type": "error", "error": {"type": kind, "message": error.message}}


def messages_request(body: Any) -> ChatRequest:
    """The request body, checked; a ``RequestError`` names what is wrong."""
    if not isinstance(body, dict):
        raise RequestError(400, _("The request body must be a JSON object."))
    name = model_name(body)
    max_tokens = number(body, "max_tokens", int)
    if max_tokens is None or max_tokens < 1:
        raise RequestError(400, _("max_tokens is required: a whole number of 1 or more."), param="max_tokens")
    items = body.get("messages")
    if not isinstance(items, list) or not items:
        raise RequestError(400, _("messages must be a non-empty array."), param="messages")
    messages = [Message("system", system)] if (system := _system(body.get("system"))) else []
    for i, item in enumerate(items):
        messages += _messages(item, i)
    stop = body.get("stop_sequences")
    if stop is not None and not (isinstance(stop, list) and all(isinstance(s, str) for s in stop)):
        raise RequestError(400, _("stop_sequences must be an array of strings."), param="stop_sequences")
    effort, response_format = _output_config(body.get("output_config"))
    thinking = _thinking(body.get("thinking"))
    if effort and (thinking is None or thinking.enabled):
        thinking = Thinking(effort=effort, budget_tokens=thinking.budget_tokens if thinking else None)
    sampling: dict[str, Any] = {
        "max_tokens": max_tokens,
        "temperature": number(body, "temperature"),  # gone from the current API, still sent by older clients
        "top_p": number(body, "top_p"),
        "stop": tuple(stop or ()),
        "thinking": thinking,
        "response_format": response_format,
        **_tools(body),
    }
    return ChatRequest(public_model=name, messages=messages, stream=bool(body.get("stream")), sampling=sampling)


def _output_config(value: Any) -> tuple[str | None, ResponseFormat | None]:
    """``output_config``: an effort (low … max; past high, high) and a JSON schema the reply must follow."""
    if value is None:
        return None, None
    if not isinstance(value, dict):
        raise RequestError(400, _("output_config must be an object."), param="output_config")
    effort = value.get("effort")
    if effort is not None and effort not in EFFORTS:
        message = _("output_config.effort must be one of %(values)s.") % {"values": ", ".join(EFFORTS)}
        raise RequestError(400, message, param="output_config.effort")
    form = value.get("format")
    response_format = None
    if form is not None:
        if not (isinstance(form, dict) and form.get("type") == "json_schema" and isinstance(form.get("schema"), dict)):
            message = _('output_config.format must be {"type": "json_schema", "schema": {...}}.')
            raise RequestError(400, message, param="output_config.format")
        response_format = ResponseFormat("json_schema", form["schema"])
    return (EFFORTS[effort] if effort else None), response_format


def _system(value: Any) -> str:
    if value is None or isinstance(value, str):
        return value or ""
    if isinstance(value, list) and all(isinstance(b, dict) and b.get("type") == "text" for b in value):
        return "\n\n".join(str(b.get("text") or "") for b in value)
    raise RequestError(400, _("system must be text or an array of text blocks."), param="system")


def _messages(item: Any, index: int) -> list[Message]:
    """One turn as the service layer's messages: an assistant's ``tool_use`` blocks become its tool calls, a
    user's ``tool_result`` blocks become ``tool`` messages (before the rest of its turn)."""
    param = f"messages[{index}]"
    if not isinstance(item, dict) or item.get("role") not in ROLES:
        message = _("%(param)s needs a role: one of %(roles)s.") % {"param": param, "roles": ", ".join(ROLES)}
        raise RequestError(400, message, param=param)
    role, content = item["role"], item.get("content")
    if isinstance(content, str):
        return [Message(role, content)]
    if not isinstance(content, list) or not content:
        message = _("%(param)s must be text or an array of content blocks.") % {"param": f"{param}.content"}
        raise RequestError(400, message, param=f"{param}.content")
    parts: list[TextPart | ImagePart] = []
    calls: list[ToolCall] = []
    results: list[Message] = []
    for i, block in enumerate(content):
        where = f"{param}.content[{i}]"
        kind = block.get("type") if isinstance(block, dict) else None
        if kind == "tool_use" and role == "assistant":
            calls.append(_tool_use(block, where))
        elif kind == "tool_result" and role == "user":
            results.append(_tool_result(block, where))
        elif (part := _block(block, where)) is not None:
            parts.append(part)
    turn = [Message(role, tuple(parts), tool_calls=tuple(calls))] if parts or calls else []
    return results + turn


def _block(block: Any, param: str) -> TextPart | ImagePart | None:
    kind = block.get("type") if isinstance(block, dict) else None
    if kind == "text" and isinstance(block.get("text"), str):
        return TextPart(block["text"])
    if kind in ("thinking", "redacted_thinking"):  # an earlier turn's thinking: the service layer sends text
        return None
    if kind == "image" and isinstance(source := block.get("source"), dict):
        if source.get("type") == "base64" and isinstance(source.get("data"), str):
            return ImagePart(data=source["data"], media_type=str(source.get("media_type") or "image/png"))
        if source.get("type") == "url" and str(source.get("url") or "").startswith(("https://", "http://")):
            return ImagePart(url=source["url"])
    raise RequestError(400, _("%(param)s must be a text or image block.") % {"param": param}, param=param)


def _tool_use(block: dict[str, Any], param: str) -> ToolCall:
    if not isinstance(block.get("id"), str) or not isinstance(block.get("name"), str):
        message = _("%(param)s must be a tool_use block with an id, a name and an input.") % {"param": param}
        raise RequestError(400, message, param=param)
    return ToolCall(block["id"], block["name"], json.dumps(block.get("input") or {}, ensure_ascii=False))


def _tool_result(block: dict[str, Any], param: str) -> Message:
    call_id = block.get("tool_use_id")
    if not isinstance(call_id, str) or not call_id:
        message = _("%(param)s must be a tool_result block naming its tool_use_id.") % {"param": param}
        raise RequestError(400, message, param=param)
    content = block.get("content")
    if isinstance(content, list):
        content = "".join(str(b.get("text") or "") for b in content if isinstance(b, dict) and b.get("type") == "text")
    text = str(content or "")
    return Message("tool", f"Error: {text}" if block.get("is_error") else text, tool_call_id=call_id)


def _tools(body: dict[str, Any]) -> dict[str, Any]:
    """``tools`` with their ``input_schema``, and ``tool_choice`` (auto, any, tool, none)
    (https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/implement-tool-use, checked 2026-12-04)."""
    value = body.get("tools")
    if value in (None, []):
        return {}
    tools = []
    for i, item in enumerate(value if isinstance(value, list) else [None]):
        name = item.get("name") if isinstance(item, dict) else None
        schema = item.get("input_schema") if isinstance(item, dict) else None
        if not isinstance(name, str) or not name or not isinstance(schema, dict):
            message = _("tools[%(index)s] must have a name and an input_schema.") % {"index": i}
            raise RequestError(400, message, param=f"tools[{i}]")
        tools.append(Tool(name, str(item.get("description") or ""), schema))
    return {"tools": tools, "tool_choice": _tool_choice(body.get("tool_choice"), {t.name for t in tools})}


def _tool_choice(value: Any, names: set[str]) -> ToolChoice | None:
    if value is None:
        return None
    kind = value.get("type") if isinstance(value, dict) else None
    modes = {"auto": "auto", "any": "required", "none": "none"}
    if kind in modes:
        return ToolChoice(modes[kind])
    if kind == "tool" and value.get("name") in names:
        return ToolChoice("function", str(value["name"]))
    message = _("tool_choice must be auto, any, none, or a tool of this request by its name.")
    raise RequestError(400, message, param="tool_choice")


def _thinking(value: Any) -> Thinking | None:
    if value is None:
        return None
    kind = value.get("type") if isinstance(value, dict) else None
    if kind == "disabled":
        return Thinking(enabled=False)
    if (
        kind == "enabled"
        and isinstance(value.get("budget_tokens"), int)
        and not isinstance(value["budget_tokens"], bool)
    ):
        return Thinking(budget_tokens=value["budget_tokens"])
    if kind == "adaptive":
        return Thinking()
    message = _('thinking must be {"type": "enabled", "budget_tokens": N}, {"type": "adaptive"} or disabled.')
    raise RequestError(400, message, param="thinking")


def message_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def stop_reason(finish_reason: str | None) -> str:
    return STOP_REASONS.get(finish_reason or "stop", "end_turn")


def usage_json(usage: Usage) -> dict[str, int]:
    return {"input_tokens": usage.input_tokens or 0, "output_tokens": usage.output_tokens or 0}


def message(
    request: ChatRequest,
    content: str,
    reasoning: str,
    finish_reason: str | None,
    usage: Usage,
    tool_calls: Sequence[ToolCall] = (),
) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = []
    if reasoning:
        blocks.append({"type": "thinking", "thinking": reasoning, "signature": ""})
    if content or not tool_calls:
        blocks.append({"type": "text", "text": content})
    for call in tool_calls:
        blocks.append({"type": "tool_use", "id": call.id, "name": call.name, "input": _input(call.arguments)})
    return {
        "id": message_id(),
        "type": "message",
        "role": "assistant",
        "model": request.public_model,
        "content": blocks,
        "stop_reason": stop_reason(finish_reason),
        "stop_sequence": None,
        "usage": usage_json(usage),
    }


def message_start(request: ChatRequest, id_: str) -> dict[str, Any]:
    start = {"id": id_, "type": "message", "role": "assistant", "model": request.public_model, "content": []}
    usage = {"input_tokens": 0, "output_tokens": 0}
    return {"type": "message_start", "message": {**start, "stop_reason": None, "stop_sequence": None, "usage": usage}}


def block_start(index: int, kind: str) -> dict[str, Any]:
    block = {"type": "text", "text": ""} if kind == "text" else {"type": "thinking", "thinking": "", "signature": ""}
    return {"type": "content_block_start", "index": index, "content_block": block}


def block_delta(index: int, kind: str, text: str) -> dict[str, Any]:
    delta = {"type": "text_delta", "text": text} if kind == "text" else {"type": "thinking_delta", "thinking": text}
    return {"type": "content_block_delta", "index": index, "delta": delta}


def _input(arguments: str) -> Any:
    """A tool call's arguments as the object Anthropic's ``input`` is (a model's broken JSON: kept as text)."""
    try:
        return json.loads(arguments or "{}")
    except ValueError:
        return {"arguments": arguments}


def tool_block_start(index: int, call_id: str, name: str) -> dict[str, Any]:
    block = {"type": "tool_use", "id": call_id, "name": name, "input": {}}
    return {"type": "content_block_start", "index": index, "content_block": block}


def tool_block_delta(index: int, fragment: str) -> dict[str, Any]:
    return {
        "type": "content_block_delta",
        "index": index,
        "delta": {"type": "input_json_delta", "partial_json": fragment},
    }


def block_stop(index: int) -> dict[str, Any]:
    return {"type": "content_block_stop", "index": index}


def message_delta(finish_reason: str | None, usage: Usage) -> dict[str, Any]:
    delta = {"stop_reason": stop_reason(finish_reason), "stop_sequence": None}
    return {"type": "message_delta", "delta": delta, "usage": usage_json(usage)}
