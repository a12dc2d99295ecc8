"""Typed values that cross the adapter boundary. Adapters build requests from these and parse into them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from wire.quirks import Quirks


@dataclass(frozen=True)
class Target:
    """Where and how to reach one provider with one credential. Secrets are decrypted just before the call."""

    provider_slug: str
    provider_name: str
    base_url: str
    secrets: Mapping[str, str] = field(default_factory=dict, repr=False)
    config: Mapping[str, str] = field(default_factory=dict)
    quirks: Quirks = field(default_factory=Quirks)

    @property
    def api_key(self) -> str:
        return self.secrets.get("api_key", "")


@dataclass(frozen=True)
class TextPart:
    text: str


@dataclass(frozen=True)
class ImagePart:
    """An image by URL (``https://…``) or inline: base64 ``data`` with its ``media_type`` (``image/png``)."""

    url: str = ""
    data: str = field(default="", repr=False)
    media_type: str = ""

    @property
    def data_url(self) -> str:
        """The image as one URL: the URL itself, or a ``data:`` URL for inline data (OpenAI's wire form)."""
        return self.url or f"data:{self.media_type};base64,{self.data}"


Part = TextPart | ImagePart


@dataclass(frozen=True)
class ToolCall:
    """A function the model asks the caller to run: its call id, name and arguments (JSON text, as the model
    wrote it)."""

    id: str
    name: str
    arguments: str = "{}"


@dataclass(frozen=True)
class Message:
    """One turn. ``content`` is text, or a tuple of parts (text and images) for vision models. An assistant turn
    may carry ``tool_calls``; a ``tool`` turn is the result of the call ``tool_call_id``."""

    role: str
    content: str | tuple[Part, ...]
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str = ""

    @property
    def text(self) -> str:
        """The text of the message: its content, or its text parts joined."""
        if isinstance(self.content, str):
            return self.content
        return "".join(p.text for p in self.content if isinstance(p, TextPart))

    @property
    def parts(self) -> tuple[Part, ...]:
        return (TextPart(self.content),) if isinstance(self.content, str) else self.content

    @property
    def has_images(self) -> bool:
        return any(isinstance(p, ImagePart) for p in self.parts)


@dataclass(frozen=True)
class Thinking:
    """How much a reasoning model thinks before it answers. ``enabled=False`` turns thinking off where a model
    can; ``effort`` is low/medium/high (OpenAI's words); ``budget_tokens`` caps thinking (Claude, Qwen)."""

    enabled: bool = True
    effort: str | None = None
    budget_tokens: int | None = None


@dataclass(frozen=True)
class ResponseFormat:
    """Structured output: ``json_object`` (JSON mode) or ``json_schema`` with a schema and its name."""

    type: str
    schema: Mapping[str, Any] | None = None
    name: str = "output"
    strict: bool = True


@dataclass(frozen=True)
class Tool:
    """A function the model may call: a name, what it does, and its parameters as a JSON schema."""

    name: str
    description: str = ""
    parameters: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class ToolChoice:
    """Whether the model must call a tool: ``auto``, ``none``, ``required``, or ``function`` (the one ``name``)."""

    mode: str = "auto"
    name: str = ""


@dataclass(frozen=True)
class ChatParams:
    model: str
    messages: tuple[Message, ...]
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    stop: tuple[str, ...] = ()
    seed: int | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    response_format: ResponseFormat | None = None
    thinking: Thinking | None = None
    # The body field for the token limit when this model's rules name one (``max_completion_tokens``);
    # blank: the provider's (``Quirks.max_tokens_param``).
    max_tokens_param: str = ""
    tools: tuple[Tool, ...] = ()
    tool_choice: ToolChoice | None = None


@dataclass(frozen=True)
class Usage:
    input_tokens: int | None = None
    output_tokens: int | None = None
    cached_input_tokens: int | None = None  # part of input_tokens read from the provider's prompt cache
    reasoning_tokens: int | None = None  # part of output_tokens spent thinking
    estimated: bool = False  # counted by ModelDesk because the provider reported none

    def merge(self, other: Usage | None) -> Usage:
        if other is None:
            return self

        def pick(name: str) -> int | None:
            value = getattr(other, name)
            return value if value is not None else getattr(self, name)

        return Usage(
            input_tokens=pick("input_tokens"),
            output_tokens=pick("output_tokens"),
            cached_input_tokens=pick("cached_input_tokens"),
            reasoning_tokens=pick("reasoning_tokens"),
            estimated=self.estimated or other.estimated,
        )

    @property
    def empty(self) -> bool:
        return self.input_tokens is None and self.output_tokens is None

    @property
    def total(self) -> int:
        """Tokens in and out, as quotas and rate limits count them (0 for those not reported)."""
        return (self.input_tokens or 0) + (self.output_tokens or 0)


@dataclass(frozen=True)
class ChatResult:
    content: str
    usage: Usage
    model: str
    finish_reason: str | None = None
    reasoning: str = ""
    tool_calls: tuple[ToolCall, ...] = ()


@dataclass(frozen=True)
class ToolCallDelta:
    """A piece of a streamed tool call: the ``index``-th call of the reply; its id and name come first, then its
    arguments in fragments."""

    index: int
    id: str = ""
    name: str = ""
    arguments: str = ""


@dataclass(frozen=True)
class ChatDelta:
    content: str = ""
    reasoning: str = ""
    usage: Usage | None = None
    finish_reason: str | None = None
    tool_calls: tuple[ToolCallDelta, ...] = ()

    @property
    def is_tick(self) -> bool:
        """This is ``TICK``: the provider sent a keep-alive (an SSE comment, Anthropic's ``ping``). Readers that
        write on to a client pass it on (as a keep-alive of their own), so that a client gone away is noticed
        while the model is silent."""
        return self is TICK


TICK = ChatDelta()  # see ChatDelta.is_tick


@dataclass(frozen=True)
class RemoteModel:
    name: str
    model_type: str | None = None
    display_name: str = ""
    context_window: int | None = None
    # The chat body field for this model's token limit, where discovery knows it (Azure reasoning deployments:
    # ``max_completion_tokens``); blank: the provider's.
    max_tokens_param: str = ""


@dataclass(frozen=True)
class EmbeddingResult:
    vectors: list[list[float]]
    usage: Usage


@dataclass(frozen=True)
class RerankHit:
    index: int
    score: float
    document: str | None = None


@dataclass(frozen=True)
class RerankResult:
    hits: list[RerankHit]
    usage: Usage


@dataclass(frozen=True)
class Transcription:
    text: str
    usage: Usage


@dataclass(frozen=True)
class AudioFile:
    filename: str
    content: bytes = field(repr=False)
    content_type: str = "application/octet-stream"


@dataclass(frozen=True)
class RequestSpec:
    """One HTTP request, as an adapter describes it. The transport sends it."""

    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    json: Any = None
    params: Mapping[str, str] | None = None
    data: Mapping[str, str] | None = None
    files: Mapping[str, tuple[str, bytes, str]] | None = field(default=None, repr=False)


@dataclass(frozen=True)
class StreamEvent:
    """One server-sent event (``event`` name and ``data``), or one NDJSON line (``data`` only); or, with
    ``comment``, an SSE comment line (a keep-alive), which adapters answer with a ``TICK``."""

    data: str
    event: str = ""
    comment: bool = False


def tool_calls_of(pieces: Sequence[ToolCallDelta]) -> tuple[ToolCall, ...]:
    """The whole tool calls a stream's pieces make, in order of their index."""
    calls: dict[int, list[str]] = {}
    for piece in pieces:
        found = calls.setdefault(piece.index, ["", "", ""])
        found[0] = found[0] or piece.id
        found[1] = found[1] or piece.name
        found[2] += piece.arguments
    return tuple(ToolCall(id_, name, arguments or "{}") for _, (id_, name, arguments) in sorted(calls.items()))
