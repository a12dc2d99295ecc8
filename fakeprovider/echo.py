"""The echo model: every protocol answers with the same deterministic text, vectors and token counts."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any


class BadRequest(Exception):
    """Raised by a handler for a malformed request; answered as a 400 in the protocol's error format."""


STALL_SECONDS = 30.0
DEFAULT_DIMENSIONS = 8
FLAVORS = frozenset({"moonshot", "deepseek", "azure", "gemini", "zhipu", "vllm"})


def tokens(text: str) -> int:
    """The fake tokenizer: one token per four characters, at least one."""
    return max(1, math.ceil(len(text) / 4))


def text_of(content: Any) -> str:
    """The text of a message content: a string, or a list of text blocks (OpenAI parts, Anthropic blocks)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(block.get("text", "")) for block in content if isinstance(block, dict))
    return ""


def echo(messages: Sequence[Any]) -> str:
    """The reply to a conversation: "Echo: " and the text of the last user message."""
    users = [m for m in messages if isinstance(m, dict) and m.get("role") == "user"]
    return "Echo: " + (text_of(users[-1].get("content")) if users else "")


def prompt_tokens(messages: Sequence[Any], *extra: str) -> int:
    """Tokens of every message content, plus any extra prompt text (Anthropic's top-level system)."""
    texts = [text_of(m.get("content")) for m in messages if isinstance(m, dict)]
    return sum(tokens(text) for text in [*texts, *extra])


def pieces(text: str, size: int = 4) -> list[str]:
    """The text in stream-sized pieces."""
    return [text[i : i + size] for i in range(0, len(text), size)]


def vector(text: str, dimensions: int) -> list[float]:
    """A deterministic unit-length vector derived from SHA-256 of the text."""
    raw = [
        int.from_bytes(hashlib.sha256(f"{i}:{text}".encode()).digest()[:4], "big") / 2**31 - 1
        for i in range(dimensions)
    ]
    norm = math.sqrt(sum(v * v for v in raw)) or 1.0
    return [round(v / norm, 6) for v in raw]


def inputs_of(value: Any) -> list[str]:
    """Embedding inputs as texts: a string, a list of strings, or token arrays (which stand in as their JSON)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, int) for v in value):
        return [json.dumps(value)]
    if isinstance(value, list) and value and all(isinstance(v, str | list) for v in value):
        return [v if isinstance(v, str) else json.dumps(v) for v in value]
    raise BadRequest("'input' must be a string, a list of strings or a list of token arrays.")


def dimensions_of(body: Mapping[str, Any]) -> int:
    value = body.get("dimensions", DEFAULT_DIMENSIONS)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 4096:
        raise BadRequest("'dimensions' must be an integer between 1 and 4096.")
    return value
