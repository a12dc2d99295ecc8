"""Typed values that cross the adapter boundary. Adapters build requests from these and parse into them."""

from __future__ import annotations

from collections.abc import Mapping
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
class Message:
    role: str
    content: str


@dataclass(frozen=True)
class ChatParams:
    model: str
    messages: tuple[Message, ...]
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None


@dataclass(frozen=True)
class Usage:
    input_tokens: int | None = None
    output_tokens: int | None = None

    def merge(self, other: Usage | None) -> Usage:
        if other is None:
            return self
        return Usage(
            input_tokens=other.input_tokens if other.input_tokens is not None else self.input_tokens,
            output_tokens=other.output_tokens if other.output_tokens is not None else self.output_tokens,
        )


@dataclass(frozen=True)
class ChatResult:
    content: str
    usage: Usage
    model: str
    finish_reason: str | None = None
    reasoning: str = ""


@dataclass(frozen=True)
class ChatDelta:
    content: str = ""
    reasoning: str = ""
    usage: Usage | None = None
    finish_reason: str | None = None


@dataclass(frozen=True)
class RemoteModel:
    name: str
    model_type: str | None = None
    display_name: str = ""
    context_window: int | None = None


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
    """One server-sent event (``event`` name and ``data``), or one NDJSON line (``data`` only)."""

    data: str
    event: str = ""
