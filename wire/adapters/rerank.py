"""Hosted rerank APIs: Jina (``/rerank``, also embeddings) and Cohere (``/v2/rerank``,
https://docs.cohere.com/reference/rerank; also ``/v2/embed``, https://docs.cohere.com/reference/embed)."""

from __future__ import annotations

from typing import Any, ClassVar

from wire.adapters.base import EMBED, RERANK, Adapter
from wire.adapters.openai_compatible import OpenAICompatibleAdapter, rerank_result
from wire.adapters.reading import Node
from wire.types import EmbeddingResult, RequestSpec, RerankResult, Usage


class JinaAdapter(OpenAICompatibleAdapter):
    """Jina's rerank and embeddings follow the OpenAI-style shapes; it has no chat."""

    operations = frozenset({RERANK, EMBED})

    def rerank_request(self, model: str, query: str, documents: list[str], top_n: int | None) -> RequestSpec:
        body: dict[str, Any] = {"model": model, "query": query, "documents": documents, "return_documents": False}
        if top_n is not None:
            body["top_n"] = top_n
        return RequestSpec("POST", self.url("rerank"), headers=self.headers(), json=body)


class CohereAdapter(Adapter):
    """Cohere v2 rerank and embed: unknown fields are rejected with 422, so send only documented ones."""

    operations = frozenset({RERANK, EMBED})
    # Embed v3 and later require an input type; ModelDesk's embeddings are the stored side of a search.
    embed_input_type: ClassVar[str] = "search_document"

    def embed_request(self, model: str, inputs: list[str]) -> RequestSpec:
        body = {"model": model, "texts": inputs, "input_type": self.embed_input_type, "embedding_types": ["float"]}
        return RequestSpec("POST", self.url("v2/embed"), headers=self.headers(), json=body)

    def embed_response(self, body: Any) -> EmbeddingResult:
        """``embeddings.float`` holds one vector per text, in order; usage is ``meta.billed_units.input_tokens``."""
        root = Node(body)
        vectors = [item.floats() for item in root.arr("embeddings", "float")]
        usage = Usage(input_tokens=root.get("meta", "billed_units").opt_int("input_tokens"))
        return EmbeddingResult(vectors=vectors, usage=usage)

    def rerank_request(self, model: str, query: str, documents: list[str], top_n: int | None) -> RequestSpec:
        body: dict[str, Any] = {"model": model, "query": query, "documents": documents}
        if top_n is not None:
            body["top_n"] = top_n
        return RequestSpec("POST", self.url("v2/rerank"), headers=self.headers(), json=body)

    def rerank_response(self, body: Any, documents: list[str]) -> RerankResult:
        return rerank_result(body, documents)
