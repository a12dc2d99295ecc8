"""Rerank routes: Jina, Cohere and DashScope, scored by query word overlap."""

from __future__ import annotations

from tests.fakeprovider.helpers import (
    OPENAI,
)

# --- Rerank. ---

DOCS = ["the cat sat", "a dog and a cat", "Dogs and cats", "the dog barked at the cat"]


def test_jina_rerank_sorts_by_query_word_overlap_with_ties_by_index_and_honours_top_n(client):
    body = {"model": "rerank-1", "query": "dog cat", "documents": DOCS, "top_n": 3}
    result = client.post("/v1/rerank", headers=OPENAI, json=body).json()
    assert [(r["index"], r["relevance_score"]) for r in result["results"]] == [(1, 1.0), (3, 1.0), (0, 0.5)]
    assert result["results"][0]["document"] == {"text": "a dog and a cat"}
    assert result["usage"]["total_tokens"] > 0


def test_jina_rerank_can_leave_documents_out(client):
    body = {"model": "rerank-1", "query": "cat", "documents": DOCS, "return_documents": False}
    results = client.post("/rerank", headers=OPENAI, json=body).json()["results"]
    assert len(results) == 4 and all("document" not in r for r in results)


def test_cohere_rerank_returns_indices_without_documents_and_meta(client):
    body = {"model": "rerank-v3.5", "query": "dog cat", "documents": DOCS, "top_n": 2}
    result = client.post("/v2/rerank", headers=OPENAI, json=body).json()
    assert result["results"] == [{"index": 1, "relevance_score": 1.0}, {"index": 3, "relevance_score": 1.0}]
    assert result["meta"]["api_version"] == {"version": "2"}


def test_cohere_rejects_unknown_fields_with_a_422(client):
    body = {"model": "rerank-v3.5", "query": "q", "documents": DOCS, "top_k": 2}
    response = client.post("/v2/rerank", headers=OPENAI, json=body)
    assert response.status_code == 422
    assert response.json()["message"] == "unknown field: parameter 'top_k' is not a valid field"
    assert "id" in response.json()


def test_cohere_errors_are_a_flat_message(client):
    response = client.post("/v2/rerank", json={"model": "r", "query": "q", "documents": DOCS})
    assert response.status_code == 401 and response.json() == {"message": "invalid api token"}


def test_dashscope_rerank_returns_documents_on_request_and_errors_with_code_and_request_id(client):
    body = {"model": "qwen3-rerank", "query": "cat", "documents": DOCS, "top_n": 1, "return_documents": True}
    result = client.post("/compatible-api/v1/reranks", headers=OPENAI, json=body).json()
    assert result["results"] == [{"index": 0, "relevance_score": 1.0, "document": {"text": "the cat sat"}}]
    assert result["usage"]["total_tokens"] > 0
    refused = client.post("/compatible-api/v1/reranks", json=body).json()
    assert refused == {"code": "InvalidApiKey", "message": "Invalid API-key provided.", "request_id": "req_fake"}
