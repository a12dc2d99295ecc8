"""Anthropic Messages API: top-level ``system``, required ``max_tokens``, content blocks, named SSE events.

Reference: https://docs.anthropic.com/en/api/messages

What ModelDesk's chat parameters become here:

- images: ``image`` blocks with a ``base64`` source (JPEG, PNG, GIF, WebP) or a ``url`` source;
- ``stop``: ``stop_sequences``; ``seed`` and the presence/frequency penalties have no counterpart and are refused;
- ``response_format``: ``json_schema`` becomes ``output_config.format`` (structured outputs); Claude has no JSON
  mode without a schema, so ``json_object`` is refused;
- ``thinking``: a ``budget_tokens`` gives manual extended thinking (``{"type": "enabled"}``, at least 1024 and
  below ``max_tokens``); without a budget, adaptive thinking (``{"type": "adaptive"}``, the only mode of
  Opus 4.7 and later) with summarized thinking text; ``enabled=False`` sends ``{"type": "disabled"}``; ``effort``
  becomes ``output_config.effort``. While Claude thinks it takes no temperature other than 1 and a top_p only
  from 0.95 to 1;
- ``tools``: ``tools`` with an ``input_schema`` and ``tool_choice`` (auto, any, tool, none); an assistant's tool
  calls are ``tool_use`` blocks, tool results ``tool_result`` blocks of a user turn; streamed tool input arrives as
  ``input_json_delta`` fragments.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from core.errors import BadResponse, InvalidInput, ProviderUnavailable
from wire.adapters.base import CHAT, MODELS, Adapter, sampling
from wire.adapters.errors import error_fields
from wire.adapters.reading import Node, parse_json
from wire.types import (
    TICK,
    ChatDelta,
    ChatParams,
    ChatResult,
    ImagePart,
    Message,
    RemoteModel,
    RequestSpec,
    ResponseFormat,
    StreamEvent,
    TextPart,
    Thinking,
    ToolCall,
    ToolCallDelta,
    Usage,
)

DEFAULT_MAX_TOKENS = 1024
# The version of the Messages API this adapter speaks (https://docs.anthropic.com/en/api/versioning). It belongs to
# the protocol, not to a provider: a newer version would change the wire format and need a changed adapter.
ANTHROPIC_VERSION = "2023-06-01"
MIN_THINKING_BUDGET = 1024
# Thinking counts within max_tokens. Without a max_tokens from the caller, a thinking budget gets the default
# reply allowance on top, and adaptive thinking (which sets no budget) gets room to think and answer.
ADAPTIVE_MAX_TOKENS = 16000
EFFORTS = ("low", "medium", "high", "xhigh", "max")
IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")
THINKING_TOP_P = (0.95, 1.0)


def _usage(usage: Node | None) -> Usage | None:
    """Anthropic's ``input_tokens`` leaves out the prompt-cache reads and writes; ours includes them."""
    if usage is None:
        return None
    fresh = usage.opt_int("input_tokens")
    read = usage.opt_int("cache_read_input_tokens")
    written = usage.opt_int("cache_creation_input_tokens")
    details = usage.opt_obj("output_tokens_details")
    return Usage(
        input_tokens=None if fresh is None else fresh + (read or 0) + (written or 0),
        output_tokens=usage.opt_int("output_tokens"),
        cached_input_tokens=read,
        reasoning_tokens=details.opt_int("thinking_tokens") if details else None,
    )


def _blocks_text(blocks: list[Node], kind: str) -> str:
    """The text of the content blocks of one type (``text`` or ``thinking``); other block types are skipped."""
    return "".join(block.text(kind) for block in blocks if block.obj().text("type") == kind)


# --- building the request -------------------------------------------------------------------------------------
def _refuse_unsupported(params: ChatParams) -> None:
    unsupported = [
        name for name in ("seed", "presence_penalty", "frequency_penalty") if getattr(params, name) is not None
    ]
    if unsupported:
        raise InvalidInput(f"Claude's Messages API has no {', '.join(unsupported)}; leave it unset for this model.")


def _image_block(part: ImagePart) -> dict[str, Any]:
    if part.data:
        if part.media_type not in IMAGE_TYPES:
            raise InvalidInput(
                f"Claude takes images as {', '.join(IMAGE_TYPES)}, not {part.media_type or 'an unnamed type'}."
            )
        source = {"type": "base64", "media_type": part.media_type, "data": part.data}
        return {"type": "image", "source": source}
    if not part.url.startswith(("https://", "http://")):
        raise InvalidInput("Claude takes an image by http(s) URL or as base64 data with its media type.")
    return {"type": "image", "source": {"type": "url", "url": part.url}}


def _content(message: Message) -> str | list[dict[str, Any]]:
    """Text stays a string; parts become text and image blocks, leaving out empty text (Claude refuses it). An
    assistant's tool calls follow as ``tool_use`` blocks."""
    if isinstance(message.content, str) and not message.tool_calls:
        return message.content
    blocks = [
        _image_block(part) if isinstance(part, ImagePart) else {"type": "text", "text": part.text}
        for part in message.parts
        if not (isinstance(part, TextPart) and not part.text)
    ]
    return blocks + [_tool_use(call) for call in message.tool_calls]


def _tool_use(call: ToolCall) -> dict[str, Any]:
    try:
        arguments = json.loads(call.arguments or "{}")
    except ValueError:
        raise InvalidInput(
            f"The arguments of tool call {call.id!r} are not JSON: Claude takes them as an object."
        ) from None
    return {"type": "tool_use", "id": call.id, "name": call.name, "input": arguments}


def _messages(params: ChatParams) -> list[dict[str, Any]]:
    """The conversation without its system prompt. Tool results are ``tool_result`` blocks of one user turn, and
    a user message right after them joins that turn: Claude takes the roles in turn."""
    wire: list[dict[str, Any]] = []
    results = False  # the last turn is a user turn that holds tool results
    for message in params.messages:
        if message.role == "system":
            continue
        if message.role == "tool":
            result = {"type": "tool_result", "tool_use_id": message.tool_call_id, "content": message.text}
            if results:
                wire[-1]["content"].append(result)
            else:
                wire.append({"role": "user", "content": [result]})
                results = True
            continue
        content = _content(message)
        if results and message.role == "user":
            wire[-1]["content"] += [{"type": "text", "text": content}] if isinstance(content, str) else content
        else:
            wire.append({"role": message.role, "content": content})
        results = False
    return wire


def _tools(params: ChatParams) -> dict[str, Any]:
    """``tools`` with their ``input_schema`` and ``tool_choice`` (https://docs.anthropic.com/en/docs/agents-and-tools/
    tool-use/implement-tool-use, checked 2026-12-04: auto, any, tool with a name, none)."""
    if not params.tools:
        return {}
    tools = []
    for tool in params.tools:
        found: dict[str, Any] = {"name": tool.name, "input_schema": dict(tool.parameters or {"type": "object"})}
        if tool.description:
            found["description"] = tool.description
        tools.append(found)
    body: dict[str, Any] = {"tools": tools}
    choice = params.tool_choice
    if choice is not None:
        modes = {"auto": {"type": "auto"}, "required": {"type": "any"}, "none": {"type": "none"}}
        body["tool_choice"] = {"type": "tool", "name": choice.name} if choice.mode == "function" else modes[choice.mode]
    return body


def _tool_calls(blocks: list[Node]) -> tuple[ToolCall, ...]:
    return tuple(
        ToolCall(block.text("id"), block.text("name"), json.dumps(block.get("input").value or {}, ensure_ascii=False))
        for block in blocks
        if block.obj().text("type") == "tool_use"
    )


def _system(params: ChatParams) -> str:
    systems = [m for m in params.messages if m.role == "system"]
    if any(m.has_images for m in systems):
        raise InvalidInput("Claude takes images in the conversation's messages, not in the system prompt.")
    return "\n\n".join(m.text for m in systems)


def _max_tokens(params: ChatParams) -> int:
    """``max_tokens`` covers thinking and reply alike, so a thinking budget must stay below it."""
    thinking = params.thinking
    budget = thinking.budget_tokens if thinking and thinking.enabled else None
    if budget is None:
        adaptive = thinking is not None and thinking.enabled
        return params.max_tokens or (ADAPTIVE_MAX_TOKENS if adaptive else DEFAULT_MAX_TOKENS)
    if params.max_tokens is None:
        return budget + DEFAULT_MAX_TOKENS
    if params.max_tokens <= budget:
        raise InvalidInput(
            f"max_tokens ({params.max_tokens}) must be larger than the thinking budget ({budget}): "
            "Claude counts its thinking within max_tokens."
        )
    return params.max_tokens


def _thinking(thinking: Thinking) -> dict[str, Any]:
    if not thinking.enabled:
        return {"type": "disabled"}
    if thinking.budget_tokens is None:
        # Opus 4.7 and later omit the thinking text unless asked for its summary.
        return {"type": "adaptive", "display": "summarized"}
    if thinking.budget_tokens < MIN_THINKING_BUDGET:
        raise InvalidInput(f"Claude's thinking budget is at least {MIN_THINKING_BUDGET} tokens.")
    return {"type": "enabled", "budget_tokens": thinking.budget_tokens}


def _check_sampling_while_thinking(params: ChatParams) -> None:
    if params.temperature is not None and params.temperature != 1:
        raise InvalidInput("Claude takes no temperature while it thinks; leave temperature unset or turn thinking off.")
    low, high = THINKING_TOP_P
    if params.top_p is not None and not low <= params.top_p <= high:
        raise InvalidInput(f"While Claude thinks, top_p must be between {low} and {high}.")


def _format(response_format: ResponseFormat) -> dict[str, Any]:
    if response_format.type != "json_schema":
        raise InvalidInput("Claude has no JSON mode without a schema; ask for a JSON schema instead.")
    if not response_format.schema:
        raise InvalidInput("A json_schema response format needs its schema.")
    return {"type": "json_schema", "schema": dict(response_format.schema)}


def _output_config(params: ChatParams) -> dict[str, Any]:
    config: dict[str, Any] = {}
    if params.response_format is not None:
        config["format"] = _format(params.response_format)
    effort = params.thinking.effort if params.thinking else None
    if effort is not None:
        if effort not in EFFORTS:
            raise InvalidInput(f"Claude's effort is one of {', '.join(EFFORTS)}, not {effort!r}.")
        config["effort"] = effort
    return config


class AnthropicAdapter(Adapter):
    operations = frozenset({CHAT, MODELS})

    def headers(self) -> dict[str, str]:
        headers = {"anthropic-version": ANTHROPIC_VERSION}
        if self.target.api_key:
            headers["x-api-key"] = self.target.api_key
        return headers

    def chat_request(self, params: ChatParams, *, stream: bool) -> RequestSpec:
        _refuse_unsupported(params)
        body: dict[str, Any] = {
            "model": params.model,
            "max_tokens": _max_tokens(params),
            "messages": _messages(params),
        }
        if system := _system(params):
            body["system"] = system
        body.update(sampling(params, max_tokens=None))
        if params.stop:
            body["stop_sequences"] = list(params.stop)
        if params.thinking is not None:
            body["thinking"] = _thinking(params.thinking)
            if params.thinking.enabled:
                _check_sampling_while_thinking(params)
        if output_config := _output_config(params):
            body["output_config"] = output_config
        body.update(_tools(params))
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
            tool_calls=_tool_calls(blocks),
        )

    def chat_deltas(self, events: Iterator[StreamEvent]) -> Iterator[ChatDelta]:
        tools: dict[int, int] = {}  # the block index of each tool_use block: its tool call's index
        for event in events:
            if event.comment:
                yield TICK
                continue
            data = parse_json(event.data, "the stream event").obj()
            kind = event.event or data.text("type")
            if kind == "message_stop":
                return
            if kind == "error":
                message, code = error_fields(data.value)
                raise ProviderUnavailable(f"the stream broke off with an error: {message or code or 'unknown'}")
            delta = self._event_delta(kind, data, tools)
            if delta is not None:
                yield delta
            elif kind == "ping":  # Anthropic's keep-alive
                yield TICK
        raise BadResponse("the stream ended before message_stop")

    def _event_delta(self, kind: str, data: Node, tools: dict[int, int]) -> ChatDelta | None:
        """The delta one event carries; events without one (pings, text block starts, block stops, the signature
        of a thinking block) give None. A ``tool_use`` block's start gives its call's id and name, each
        ``input_json_delta`` a fragment of its arguments."""
        if kind == "message_start":
            return ChatDelta(usage=_usage(data.obj("message").opt_obj("usage")))
        if kind == "content_block_start" and data.get("content_block").text("type") == "tool_use":
            block = data.get("content_block")
            tools[data.opt_int("index") or 0] = len(tools)
            piece = ToolCallDelta(len(tools) - 1, block.text("id"), block.text("name"))
            return ChatDelta(tool_calls=(piece,))
        if kind == "content_block_delta":
            delta = data.get("delta")
            if delta.text("type") == "input_json_delta":
                index = tools.get(data.opt_int("index") or 0, 0)
                return ChatDelta(tool_calls=(ToolCallDelta(index, arguments=delta.text("partial_json")),))
            content, reasoning = delta.text("text"), delta.text("thinking")
            return ChatDelta(content=content, reasoning=reasoning) if content or reasoning else None
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
