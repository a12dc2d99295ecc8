"""The adapter contract: translate typed calls into one wire protocol and back. No I/O, no models.

An adapter builds ``RequestSpec`` values and parses decoded bodies or stream events. The transport
(``wire.transport``) sends requests, retries, reads streams and maps HTTP failures.

Parsing is defensive: whatever JSON a provider sends, ``*_response`` and ``chat_deltas`` return typed results or
raise a ``ModelDeskError`` (``BadResponse`` for a wrong shape; read bodies through ``reading.Node``), never any
other exception.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, ClassVar

from core.errors import InvalidInput, OperationNotSupported, ProviderError
from wire.adapters.errors import error_from_response
from wire.types import (
    AudioFile,
    ChatDelta,
    ChatParams,
    ChatResult,
    EmbeddingResult,
    RemoteModel,
    RequestSpec,
    RerankResult,
    StreamEvent,
    Target,
    Transcription,
)

CHAT, MODELS, EMBED, RERANK, TRANSCRIBE = "chat", "list models", "embeddings", "rerank", "speech-to-text"


class Adapter:
    operations: ClassVar[frozenset[str]] = frozenset()
    stream_format: ClassVar[str] = "sse"
    # Protocols without token streaming answer a stream request with the whole reply as one delta.
    streams: ClassVar[bool] = True

    def __init__(self, target: Target) -> None:
        self.target = target

    def url(self, path: str) -> str:
        return f"{self.target.base_url.rstrip('/')}/{path.lstrip('/')}"

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.target.api_key}"} if self.target.api_key else {}

    def unsupported(self, operation: str) -> OperationNotSupported:
        return OperationNotSupported(self.target.provider_name, operation)

    def response_error(
        self, status: int, text: str, *, retry_after: float | None, redact: Callable[[str], str]
    ) -> ProviderError:
        """The typed error for a failed response; a provider's business codes come from its quirks."""
        return error_from_response(
            status, text, retry_after=retry_after, redact=redact, codes=self.target.quirks.error_codes
        )

    def require(self, operation: str) -> None:
        if operation not in self.operations:
            raise self.unsupported(operation)

    # --- chat -------------------------------------------------------------------------------------------------
    def chat_request(self, params: ChatParams, *, stream: bool) -> RequestSpec:
        raise self.unsupported(CHAT)

    def chat_response(self, body: Any) -> ChatResult:
        raise self.unsupported(CHAT)

    def chat_deltas(self, events: Iterator[StreamEvent]) -> Iterator[ChatDelta]:
        raise self.unsupported(CHAT)

    # --- other operations -------------------------------------------------------------------------------------
    def models_request(self) -> RequestSpec:
        raise self.unsupported(MODELS)

    def models_response(self, body: Any) -> list[RemoteModel]:
        raise self.unsupported(MODELS)

    def model_info_request(self, model: str) -> RequestSpec | None:
        """A request for one listed model's details (its context window), where the server has one; else None."""
        return None

    def model_info_response(self, model: str, body: Any) -> RemoteModel:
        """The details ``model_info_request`` asked for; only called when it returned a request."""
        raise self.unsupported(MODELS)

    # --- checks and long-running predictions ------------------------------------------------------------------
    def probe_request(self) -> RequestSpec | None:
        """A cheap authenticated request that tests a credential with no model to call (Replicate's account);
        None: the protocol has none, and the connection test lists models instead."""
        return None

    def probe_response(self, body: Any) -> str:
        """Who the probe says the credential belongs to (an account name), or "" when it does not say."""
        return ""

    def cancel_request(self, body: Any) -> RequestSpec | None:
        """For a prediction given up on, the request that cancels it; None when there is nothing to cancel."""
        return None

    def poll_request(self, body: Any) -> RequestSpec | None:
        """For a response that is not final yet (a prediction still running), the request that reads it again;
        None when ``body`` is final. The service polls until the response is final or the deadline passes."""
        return None

    def embed_request(self, model: str, inputs: list[str]) -> RequestSpec:
        raise self.unsupported(EMBED)

    def embed_response(self, body: Any) -> EmbeddingResult:
        raise self.unsupported(EMBED)

    def rerank_request(self, model: str, query: str, documents: list[str], top_n: int | None) -> RequestSpec:
        raise self.unsupported(RERANK)

    def rerank_response(self, body: Any, documents: list[str]) -> RerankResult:
        raise self.unsupported(RERANK)

    def transcribe_request(self, model: str, audio: AudioFile, language: str | None) -> RequestSpec:
        raise self.unsupported(TRANSCRIBE)

    def transcribe_response(self, body: Any) -> Transcription:
        raise self.unsupported(TRANSCRIBE)


def refuse_tools(params: ChatParams, protocol: str) -> None:
    """For a protocol whose adapter does not carry tool calls: a request with tools, or with a tool call's turns,
    is refused before it is sent, saying so."""
    if params.tools or any(m.tool_calls or m.role == "tool" for m in params.messages):
        raise InvalidInput(f"ModelDesk does not pass tools to {protocol} servers yet; call this model without tools.")


def sampling(params: ChatParams, *, max_tokens: str | None = "max_tokens") -> dict[str, Any]:
    """The sampling parameters that were set, under this protocol's name for max tokens (None: leave it out)."""
    values: dict[str, Any] = {"temperature": params.temperature, "top_p": params.top_p}
    if max_tokens:
        values[max_tokens] = params.max_tokens
    return {name: value for name, value in values.items() if value is not None}
