"""Cohere embeddings: ``POST /v2/embed`` with an input type, float vectors read from ``embeddings.float``.

Facts checked 2026-12-02:

- https://docs.cohere.com/reference/embed (Embed API v2, OpenAPI published by Cohere): the body's required fields
  are ``model`` and ``input_type`` (one of search_document, search_query, classification, clustering, image;
  "required for embedding models v3 and higher"); ``texts`` is a list of strings, at most 96;
  ``embedding_types`` lists the types to return (``float`` for every model). The answer (EmbedByTypeResponse)
  has ``id``, ``embeddings`` keyed by type (``float``: one list of numbers per text), ``texts``, and ``meta`` with
  ``billed_units.input_tokens``, a number.
- github:cohere-ai/cohere-python ``src/cohere/v2/raw_client.py`` (``embed``: ``model`` and ``input_type`` are the
  required keyword arguments; posted to ``v2/embed``) and ``src/cohere/types/api_meta_billed_units.py``
  (``input_tokens: Optional[float]``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import given

from core.errors import BadResponse, ProviderError
from fakeprovider import FakeProviderServer, running_fake_server
from tests.wire.fuzzing import FUZZ, bodies, check_embeddings, parse
from wire.adapters import adapter_for
from wire.adapters.base import EMBED, RERANK
from wire.adapters.rerank import CohereAdapter
from wire.retry import RetryPolicy
from wire.transport import Transport
from wire.types import Target

KEY = "co-test-key-0123"
# The documented request (docs.cohere.com/reference/embed's cURL example, with its search_document input type) and
# an answer of the documented EmbedByTypeResponse shape; the id and the (three-number) vectors are illustrative.
DOC_REQUEST = {
    "model": "embed-v4.0",
    "texts": ["hello", "goodbye"],
    "input_type": "search_document",
    "embedding_types": ["float"],
}
DOC_ANSWER = {
    "id": "da6e531f-54c6-4a73-bf92-f60566d8d753",
    "embeddings": {"float": [[0.016296387, -0.008354187, -0.04699707], [-0.049591064, 0.010406494, 0.01828003]]},
    "texts": ["hello", "goodbye"],
    "meta": {"api_version": {"version": "2"}, "billed_units": {"input_tokens": 2}},
    "response_type": "embeddings_by_type",
}


def cohere(base_url: str = "https://api.cohere.com") -> CohereAdapter:
    adapter = adapter_for("cohere", Target("cohere", "Cohere", base_url, {"api_key": KEY}))
    assert isinstance(adapter, CohereAdapter)
    return adapter


def test_cohere_offers_embeddings_and_keeps_rerank():
    assert cohere().operations == {EMBED, RERANK}
    assert cohere().rerank_request("rerank-v3.5", "q", ["d"], None).url == "https://api.cohere.com/v2/rerank"


def test_the_embed_request_is_the_documented_one():
    spec = cohere().embed_request("embed-v4.0", ["hello", "goodbye"])
    assert (spec.method, spec.url) == ("POST", "https://api.cohere.com/v2/embed")
    assert spec.json == DOC_REQUEST
    assert spec.headers == {"Authorization": f"Bearer {KEY}"}


def test_the_documented_answer_gives_float_vectors_and_billed_input_tokens():
    result = cohere().embed_response(DOC_ANSWER)
    assert result.vectors == DOC_ANSWER["embeddings"]["float"]
    assert result.usage.input_tokens == 2 and result.usage.output_tokens is None
    check_embeddings(result)


def test_billed_tokens_sent_as_a_whole_float_are_read_as_an_integer():
    """Cohere's schema types billed units as numbers (doubles); 2.0 is two tokens."""
    result = cohere().embed_response({**DOC_ANSWER, "meta": {"billed_units": {"input_tokens": 2.0}}})
    assert type(result.usage.input_tokens) is int and result.usage.input_tokens == 2


def test_an_answer_without_meta_has_no_usage():
    result = cohere().embed_response({"id": "x", "embeddings": {"float": [[1, 2]]}})
    assert result.vectors == [[1.0, 2.0]] and result.usage.input_tokens is None


@pytest.mark.parametrize(
    "embeddings, message",
    [
        ({"float": [[[0.1, 0.2]]]}, "embeddings.float.0.0 is a list, expected a number"),
        ({"float": [[0.1, "0.2"]]}, "embeddings.float.0.1 is a string, expected a number"),
        ({"float": [[0.1, True]]}, "embeddings.float.0.1 is true or false, expected a number"),
        ({"float": [{"values": [0.1]}]}, "embeddings.float.0 is an object, expected a list"),
        ({"float": ["AAAA"]}, "embeddings.float.0 is a string, expected a list"),
        ({"float": [[math.nan]]}, "embeddings.float.0.0 is not a finite number"),
        ([[0.1, 0.2]], "embeddings is a list, expected an object"),  # v1's embeddings_floats shape
        ({"int8": [[1, 2]]}, "the response has no embeddings.float"),
    ],
)
def test_vectors_that_are_not_flat_lists_of_numbers_are_a_bad_response(embeddings, message):
    with pytest.raises(BadResponse, match=message.replace(".", r"\.")):
        cohere().embed_response({**DOC_ANSWER, "embeddings": embeddings})


@FUZZ
@given(body=bodies(DOC_ANSWER))
def test_any_json_answer_to_an_embed_is_a_typed_result_or_a_modeldesk_error(body):
    parse(cohere(), EMBED, body, [])


# --- over a real loopback socket -------------------------------------------------------------------------------------
@pytest.fixture
def fake() -> Iterator[FakeProviderServer]:
    with running_fake_server() as server:
        yield server


def test_embeddings_from_the_fake_over_loopback(fake):
    adapter = cohere(fake.url)
    transport = Transport(RetryPolicy(max_attempts=1, deadline=5.0), errors=adapter.response_error)
    result = transport.call(adapter.embed_request("embed-v4.0", ["hello", "goodbye"]), adapter.embed_response)
    assert len(result.vectors) == 2 and all(len(v) == 8 for v in result.vectors)
    assert result.vectors[0] != result.vectors[1] and result.usage.input_tokens == 4
    (sent,) = fake.requests
    assert (sent.method, sent.path, sent.headers["authorization"]) == ("POST", "/v2/embed", f"Bearer {KEY}")


def test_the_fake_refuses_what_cohere_refuses(fake):
    headers = {"authorization": f"Bearer {KEY}"}
    unknown = httpx.post(f"{fake.url}/v2/embed", headers=headers, json={**DOC_REQUEST, "input": ["x"]})
    assert unknown.status_code == 422 and "parameter 'input' is not a valid field" in unknown.json()["message"]
    untyped = httpx.post(f"{fake.url}/v2/embed", headers=headers, json={"model": "embed-v4.0", "texts": ["x"]})
    assert untyped.status_code == 400 and "input_type" in untyped.json()["message"]
    keyless = httpx.post(f"{fake.url}/v2/embed", json=DOC_REQUEST)
    assert keyless.status_code == 401 and keyless.json() == {"message": "invalid api token"}


def test_a_cohere_error_over_loopback_is_typed(fake):
    adapter = cohere(fake.url)
    transport = Transport(RetryPolicy(max_attempts=1, deadline=5.0), errors=adapter.response_error)
    with pytest.raises(ProviderError) as info:
        transport.call(adapter.embed_request("embed-fault-401", ["x"]), adapter.embed_response)
    assert info.value.error_type == "authentication"
