"""What a provider does differently from the protocol its adapter speaks, as typed data.

Each provider declares its ``Quirks`` in its catalog module (``providers/catalog/<vendor>.py``); the adapters
(``wire/adapters/``) and call resolution (``calls/resolve.py``) read them. A field that nothing reads, or that no
provider sets, is a bug: ``tests/wire/test_quirks.py`` fails on either. Differences that every adapter handles the
same way for all providers (keep-alive comments, usage inside ``choices``, error body shapes) are not quirks: they
are documented in the adapter and in the vendor's catalog module.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


@dataclass(frozen=True)
class Quirks:
    max_tokens_param: str = "max_tokens"
    """The chat body field for the reply's token limit. OpenAI: ``max_completion_tokens`` (o-series, GPT-5)."""

    disable_thinking_when_not_streaming: bool = False
    """Send ``enable_thinking: false`` on non-streaming chats. Qwen: thinking models reject them otherwise."""

    thinking_style: str = ""
    """How a chat asks for more or less thinking (``wire.thinking.STYLES``): ``reasoning_effort`` (OpenAI, Gemini,
    Azure), ``enable_thinking`` (Qwen), ``thinking_type`` (Zhipu, Doubao, Kimi), ``thinking_type_effort``
    (DeepSeek), ``reasoning_split`` (MiniMax: always sent). Blank: the provider has no control; nothing is sent."""

    model_id_prefix: str = ""
    """Stripped from the ids the model list returns. Gemini: ``models/``."""

    rerank_path: str = "rerank"
    """The rerank path under the (rewritten) base URL, for OpenAI-compatible servers. Qwen: ``reranks``."""

    rerank_base_rewrite: tuple[str, str] | None = None
    """``(old, new)`` applied to the base URL before ``rerank_path``. Qwen: compatible-mode -> compatible-api."""

    region_base_urls: Mapping[str, str] = field(default_factory=dict)
    """Base URL per value of the credential's ``region`` field; a credential's own base URL wins. Qwen, Kimi."""

    error_codes: Mapping[str, str] = field(default_factory=dict)
    """Business error codes in the body -> ModelDesk's error type, where the HTTP status says less. Zhipu."""

    def __post_init__(self) -> None:
        # Frozen means the mappings too: one Quirks instance is shared by every call to its provider.
        object.__setattr__(self, "region_base_urls", MappingProxyType(dict(self.region_base_urls)))
        object.__setattr__(self, "error_codes", MappingProxyType(dict(self.error_codes)))
