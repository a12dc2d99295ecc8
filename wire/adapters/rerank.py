"""Hosted rerank APIs: Jina (``/rerank``, also embeddings) and Cohere (``/v2/rerank``, https://docs.cohere.com/reference/rerank)."""

from __future__ import annotations

from typing import Any

from wire.adapters.base import EMBED, RERANK, Adapter
from wire.adapters.openai_compatible import OpenAICompatibleAdapter, rerank_result
from wire.types import RequestSpec, RerankResult


class JinaAdapter(OpenAICompatibleAdapter):
    """Jina's rerank and embeddings follow the OpenAI-style shapes; it has no chat."""

    operations = frozenset({RERANK, EMBED})

    def rerank_request(self, model: str, query: str, documents: list[str], top_n: int | None) -> RequestSpec:
        body: dict[str, Any] = {"model": model, "query": query, "documents": documents, "return_documents": False}
        if top_n is not None:
            body["top_n"] = top_n
        return RequestSpec("POST", self.url("rerank"), headers=self.headers(), json=body)


class CohereAdapter(Adapter):
    """Cohere v2 rerank: unknown fields are rejected with 422, so send only documented ones."""

    operations = frozenset({RERANK})

    def rerank_request(self, model: str, query: str, documents: list[str], top_n: int | None) -> RequestSpec:
        body: dict[str, Any] = {"model": model, "query": query, "documents": documents}
        if top_n is not None:
            body["top_n"] = top_n
        return RequestSpec("POST", self.url("v2/rerank"), headers=self.headers(), json=body)

    def rerank_response(self, body: Any, documents: list[str]) -> RerankResult:
        return rerank_result(body, documents)
