"""Rerank routes: Jina ``/v1/rerank``, Cohere ``/v2/rerank`` and DashScope ``/compatible-api/v1/reranks``.
A document's score is the fraction of the query's words it contains. Cohere's ``/v2/embed`` lives here too."""

from __future__ import annotations

import re
from typing import Any

from fakeprovider.base import BadRequest, Call, Reply, Route, Wire, json_reply, phrase
from fakeprovider.echo import DEFAULT_DIMENSIONS, tokens, vector

COHERE_FIELDS = frozenset(
    {"model", "query", "documents", "top_n", "max_tokens_per_doc", "priority", "return_documents"}
)
COHERE_EMBED_FIELDS = frozenset(
    {
        "model",
        "input_type",
        "texts",
        "images",
        "inputs",
        "max_tokens",
        "output_dimension",
        "embedding_types",
        "truncate",
        "priority",
    }
)
COHERE_INPUT_TYPES = frozenset({"search_document", "search_query", "classification", "clustering", "image"})


def score(query: str, document: str) -> float:
    """The fraction of the query's distinct words that occur in the document, ignoring case."""
    wanted = set(re.findall(r"\w+", query.lower()))
    present = set(re.findall(r"\w+", document.lower()))
    return len(wanted & present) / len(wanted) if wanted else 0.0


def _ranked(call: Call) -> tuple[list[str], list[tuple[int, float]], int]:
    """The documents' texts, the top ``top_n`` (index, score) pairs best first (ties by index), and usage tokens."""
    query, documents = call.body.get("query"), call.body.get("documents")
    if not isinstance(query, str) or not isinstance(documents, list) or not documents:
        raise BadRequest("'query' (a string) and 'documents' (a non-empty list) are required.")
    texts = [d if isinstance(d, str) else str(d.get("text", "")) if isinstance(d, dict) else "" for d in documents]
    top_n = call.body.get("top_n") or len(texts)
    if not isinstance(top_n, int) or top_n < 1:
        raise BadRequest("'top_n' must be a positive integer.")
    ranking = sorted(((i, score(query, text)) for i, text in enumerate(texts)), key=lambda pair: (-pair[1], pair[0]))
    return texts, ranking[:top_n], tokens(query) + sum(tokens(text) for text in texts)


def _results(texts: list[str], ranking: list[tuple[int, float]], with_documents: bool) -> list[dict[str, Any]]:
    return [
        {"index": i, "relevance_score": s, **({"document": {"text": texts[i]}} if with_documents else {})}
        for i, s in ranking
    ]


def jina(call: Call) -> Reply:
    texts, ranking, used = _ranked(call)
    results = _results(texts, ranking, call.body.get("return_documents", True) is not False)
    return json_reply({"model": call.model, "usage": {"total_tokens": used}, "results": results})


def cohere(call: Call) -> Reply:
    """Cohere v2 rejects unknown fields and never returns documents."""
    if rejected := _unknown_field(call, COHERE_FIELDS):
        return rejected
    if not call.model:
        raise BadRequest("invalid request: model must be specified")
    texts, ranking, _ = _ranked(call)
    meta = {"api_version": {"version": "2"}, "billed_units": {"search_units": 1}}
    return json_reply({"id": "rerank-fake", "results": _results(texts, ranking, False), "meta": meta})


def _unknown_field(call: Call, known: frozenset[str]) -> Reply | None:
    unknown = sorted(set(call.body) - known)
    if not unknown:
        return None
    message = f"unknown field: parameter '{unknown[0]}' is not a valid field"
    return json_reply({"id": "err_fake", "message": message}, 422)


def _embed_texts(call: Call) -> tuple[list[str], int]:
    """The texts to embed and the vectors' dimensions; a request Cohere would refuse is a ``BadRequest``."""
    body = call.body
    texts, dimensions = body.get("texts"), body.get("output_dimension") or DEFAULT_DIMENSIONS
    if not call.model:
        raise BadRequest("invalid request: model must be specified")
    if body.get("input_type") not in COHERE_INPUT_TYPES:
        raise BadRequest("invalid request: input_type must be one of " + ", ".join(sorted(COHERE_INPUT_TYPES)))
    if not isinstance(texts, list) or not texts or not all(isinstance(text, str) for text in texts):
        raise BadRequest("invalid request: texts must be a non-empty list of strings")
    if body.get("embedding_types", ["float"]) != ["float"]:
        raise BadRequest("the fake provider only serves float embeddings")
    if isinstance(dimensions, bool) or not isinstance(dimensions, int) or not 1 <= dimensions <= 4096:
        raise BadRequest("invalid request: output_dimension must be a positive integer")
    return texts, dimensions


def cohere_embed(call: Call) -> Reply:
    """Cohere v2 embed: ``input_type`` is required; vectors come keyed by type (only ``float`` here)."""
    if rejected := _unknown_field(call, COHERE_EMBED_FIELDS):
        return rejected
    texts, dimensions = _embed_texts(call)
    meta = {"api_version": {"version": "2"}, "billed_units": {"input_tokens": sum(tokens(t) for t in texts)}}
    return json_reply(
        {
            "id": "embed-fake",
            "embeddings": {"float": [vector(text, dimensions) for text in texts]},
            "texts": texts,
            "meta": meta,
            "response_type": "embeddings_by_type",
        }
    )


def dashscope(call: Call) -> Reply:
    texts, ranking, used = _ranked(call)
    results = _results(texts, ranking, call.body.get("return_documents") is True)
    return json_reply(
        {"id": "rerank-fake", "results": results, "usage": {"total_tokens": used}, "request_id": "req_fake"}
    )


class JinaWire(Wire):
    """Jina's error shape is not documented (the fact sheet marks it UNVERIFIED); FastAPI's ``detail`` is used."""

    def error(self, call: Call, status: int, *, kind: str = "", message: str | None = None) -> Reply:
        default = "Input exceeds the maximum context length" if kind == "context" else phrase(status)
        return json_reply({"detail": message or ("Invalid API key" if status == 401 else default)}, status)


COHERE_MESSAGES = {
    401: "invalid api token",
    429: "You are using a Trial key, which is limited to 10 API calls / minute.",
    500: "internal server error, this has been reported to our developers",
}


class CohereWire(Wire):
    def error(self, call: Call, status: int, *, kind: str = "", message: str | None = None) -> Reply:
        default = "too many tokens: the query is too long" if kind == "context" else COHERE_MESSAGES.get(status)
        return json_reply({"message": message or default or phrase(status)}, status)


DASHSCOPE_CODES = {
    400: "InvalidParameter",
    401: "InvalidApiKey",
    403: "AccessDenied",
    404: "ModelNotFound",
    429: "Throttling.RateQuota",
}


class DashScopeWire(Wire):
    def error(self, call: Call, status: int, *, kind: str = "", message: str | None = None) -> Reply:
        code = DASHSCOPE_CODES.get(status, "InternalError")
        default = "Range of input length should be [1, 4096]" if kind == "context" else phrase(status)
        if status == 401 and not message:
            default = "Invalid API-key provided."
        return json_reply({"code": code, "message": message or default, "request_id": "req_fake"}, status)


ROUTES = [
    Route("POST", "(?:/v1)?/rerank", JinaWire(), jina),
    Route("POST", "/v2/rerank", CohereWire(), cohere),
    Route("POST", "/v2/embed", CohereWire(), cohere_embed),
    Route("POST", "/compatible-api/v1/reranks", DashScopeWire(), dashscope),
]
