"""The OpenAI wire format, spoken by most providers (§1). Provider quirks are read from ``target.quirks``.

Handled generically, because several providers do it: SSE comment lines (DeepSeek keep-alive, Xinference
pings), chunks with empty ``choices`` (Azure's filter chunk, the usage chunk), usage inside ``choices[0]``
(Moonshot), ``reasoning_content`` / ``reasoning`` deltas (DeepSeek, Zhipu, Ollama /v1), and error frames.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from ..errors import BadResponse, ProviderUnavailable
from .base import CHAT, EMBED, MODELS, RERANK, TRANSCRIBE, Adapter, field, optional_int, sampling
from .errors import error_fields
from .types import (
    AudioFile,
    ChatDelta,
    ChatParams,
    ChatResult,
    EmbeddingResult,
    RemoteModel,
    RequestSpec,
    RerankHit,
    RerankResult,
    StreamEvent,
    Transcription,
    Usage,
)


def openai_usage(raw: Any) -> Usage | None:
    if not isinstance(raw, dict):
        return None
    return Usage(
        input_tokens=optional_int(raw.get("prompt_tokens", raw.get("input_tokens"))),
        output_tokens=optional_int(raw.get("completion_tokens", raw.get("output_tokens"))),
    )


def _reasoning(node: dict[str, Any]) -> str:
    return str(node.get("reasoning_content") or node.get("reasoning") or "")


class OpenAICompatibleAdapter(Adapter):
    operations = frozenset({CHAT, MODELS, EMBED, RERANK, TRANSCRIBE})

    def headers(self) -> dict[str, str]:
        headers = super().headers()
        if self.target.config.get("organization"):
            headers["OpenAI-Organization"] = self.target.config["organization"]
        if self.target.config.get("project"):
            headers["OpenAI-Project"] = self.target.config["project"]
        return headers

    def path_url(self, path: str, model: str = "") -> str:
        """The URL of an API path; Azure puts the deployment (by default the model) into it."""
        return self.url(path)

    def params(self) -> dict[str, str] | None:
        return None

    # --- chat -------------------------------------------------------------------------------------------------
    def chat_request(self, params: ChatParams, *, stream: bool) -> RequestSpec:
        body: dict[str, Any] = {
            "model": params.model,
            "messages": [{"role": m.role, "content": m.content} for m in params.messages],
        }
        body.update(sampling(params, max_tokens=self.target.quirks.get("max_tokens_param", "max_tokens")))
        if stream:
            body["stream"] = True
            body["stream_options"] = {"include_usage": True}
        elif self.target.quirks.get("disable_thinking_when_not_streaming"):
            body["enable_thinking"] = False
        return RequestSpec(
            "POST",
            self.path_url("chat/completions", params.model),
            headers=self.headers(),
            json=body,
            params=self.params(),
        )

    def chat_response(self, body: Any) -> ChatResult:
        choice = field(body, "choices", 0)
        message = field(choice, "message")
        return ChatResult(
            content=str(message.get("content") or ""),
            reasoning=_reasoning(message),
            usage=openai_usage(body.get("usage")) or Usage(),
            model=str(body.get("model") or ""),
            finish_reason=choice.get("finish_reason"),
        )

    def chat_deltas(self, events: Iterator[StreamEvent]) -> Iterator[ChatDelta]:
        finished = False
        for event in events:
            if event.data.startswith("[DONE]"):
                return
            try:
                chunk = json.loads(event.data)
            except ValueError:
                raise BadResponse("the stream carried a chunk that is not JSON") from None
            if isinstance(chunk, dict) and "error" in chunk:
                message, _code = error_fields(chunk)
                raise ProviderUnavailable(f"the stream broke off with an error: {message or 'unknown error'}")
            for delta in self._chunk_deltas(chunk):
                finished = finished or delta.finish_reason is not None
                yield delta
        if not finished:  # some servers omit [DONE]; a finish_reason is enough to know the reply is whole
            raise BadResponse("the stream ended before the reply was complete")

    def _chunk_deltas(self, chunk: Any) -> Iterator[ChatDelta]:
        if not isinstance(chunk, dict):
            raise BadResponse("the stream carried a chunk that is not a JSON object")
        usage = openai_usage(chunk.get("usage"))
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            yield ChatDelta(
                content=str(delta.get("content") or ""),
                reasoning=_reasoning(delta),
                usage=openai_usage(choice.get("usage")),  # Moonshot puts usage inside the choice
                finish_reason=choice.get("finish_reason"),
            )
        if usage is not None:
            yield ChatDelta(usage=usage)

    # --- models, embeddings, rerank, speech-to-text -----------------------------------------------------------
    def models_request(self) -> RequestSpec:
        return RequestSpec("GET", self.path_url("models"), headers=self.headers(), params=self.params())

    def models_response(self, body: Any) -> list[RemoteModel]:
        prefix = self.target.quirks.get("model_id_prefix", "")
        models = []
        for item in field(body, "data"):
            name = str(field(item, "id"))
            models.append(RemoteModel(name=name.removeprefix(prefix) if prefix else name))
        return models

    def embed_request(self, model: str, inputs: list[str]) -> RequestSpec:
        body = {"model": model, "input": inputs, "encoding_format": "float"}
        return RequestSpec(
            "POST", self.path_url("embeddings", model), headers=self.headers(), json=body, params=self.params()
        )

    def embed_response(self, body: Any) -> EmbeddingResult:
        rows = sorted(field(body, "data"), key=lambda row: row.get("index", 0))
        return EmbeddingResult(
            vectors=[list(field(row, "embedding")) for row in rows], usage=openai_usage(body.get("usage")) or Usage()
        )

    def rerank_request(self, model: str, query: str, documents: list[str], top_n: int | None) -> RequestSpec:
        body: dict[str, Any] = {"model": model, "query": query, "documents": documents, "return_documents": False}
        if top_n is not None:
            body["top_n"] = top_n
        return RequestSpec("POST", self.rerank_url(), headers=self.headers(), json=body)

    def rerank_url(self) -> str:
        """Most servers serve ``{base}/rerank``; DashScope serves it beside the chat base (quirk data)."""
        path = str(self.target.quirks.get("rerank_path", "rerank")).lstrip("/")
        rewrite = self.target.quirks.get("rerank_base_rewrite")
        if rewrite:
            old, new = rewrite
            return f"{self.target.base_url.rstrip('/').replace(old, new)}/{path}"
        return self.url(path)

    def rerank_response(self, body: Any, documents: list[str]) -> RerankResult:
        return rerank_result(body, documents)

    def transcribe_request(self, model: str, audio: AudioFile, language: str | None) -> RequestSpec:
        data = {"model": model, "response_format": "json"}
        if language:
            data["language"] = language
        files = {"file": (audio.filename, audio.content, audio.content_type)}
        return RequestSpec(
            "POST",
            self.path_url("audio/transcriptions", model),
            headers=self.headers(),
            data=data,
            files=files,
            params=self.params(),
        )

    def transcribe_response(self, body: Any) -> Transcription:
        usage = body.get("usage") if isinstance(body, dict) else None
        return Transcription(text=str(field(body, "text")), usage=openai_usage(usage) or Usage())


def rerank_result(body: Any, documents: list[str]) -> RerankResult:
    """Jina, Cohere v2, DashScope, vLLM and Xinference share this response shape (§12, §13)."""
    results = body.get("results") if isinstance(body, dict) else None
    if results is None and isinstance(body, dict) and isinstance(body.get("output"), dict):
        results = body["output"].get("results")  # DashScope native envelope
    if not isinstance(results, list):
        raise BadResponse("the response has no results")
    hits = []
    for item in results:
        index = int(field(item, "index"))
        if not 0 <= index < len(documents):
            raise BadResponse(f"the response ranks document {index}, but only {len(documents)} were sent")
        hits.append(RerankHit(index=index, score=float(field(item, "relevance_score")), document=documents[index]))
    usage = body.get("usage") or {}
    meta_tokens = (body.get("meta") or {}).get("tokens") or {}
    total = optional_int(usage.get("total_tokens")) or optional_int(meta_tokens.get("input_tokens"))
    return RerankResult(hits=sorted(hits, key=lambda h: -h.score), usage=Usage(input_tokens=total))


class AzureOpenAIAdapter(OpenAICompatibleAdapter):
    """Azure OpenAI with dated API versions: ``{endpoint}/openai/deployments/{deployment}/…?api-version=`` (§3)."""

    operations = frozenset({CHAT, MODELS, EMBED, TRANSCRIBE})

    def headers(self) -> dict[str, str]:
        return {"api-key": self.target.api_key} if self.target.api_key else {}

    def params(self) -> dict[str, str] | None:
        return {"api-version": self.target.config.get("api_version") or "2024-10-21"}

    def path_url(self, path: str, model: str = "") -> str:
        if path == "models":
            return self.url("openai/models")
        deployment = self.target.config.get("deployment") or model
        return self.url(f"openai/deployments/{deployment}/{path}")
