"""The fake provider server: each route answers in its provider's wire format, and each fault misbehaves as named."""

from __future__ import annotations

import base64
import json
import ssl
import struct
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from fakeprovider import FakeProviderServer, running_fake_server

KEY = "sk-fake-test-key-0123"
OPENAI = {"authorization": f"Bearer {KEY}"}
ANTHROPIC = {"x-api-key": KEY, "anthropic-version": "2023-06-01"}
AZURE = {"api-key": KEY}
HELLO = [{"role": "user", "content": "hello world"}]
CHAT = "/v1/chat/completions"
AZURE_CHAT = "/openai/deployments/gpt-dep/chat/completions?api-version=2024-10-21"
# Building an SSL context costs ~50 ms; the server is plain HTTP, so every client shares one.
TLS = ssl.create_default_context()


@pytest.fixture
def fake() -> Iterator[FakeProviderServer]:
    with running_fake_server() as server:
        yield server


@pytest.fixture
def client(fake: FakeProviderServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fake.url, timeout=5, verify=TLS) as client:
        yield client


def chat(client: httpx.Client, model: str = "echo-1", headers: dict[str, str] = OPENAI, path: str = CHAT, **body: Any):
    return client.post(path, headers=headers, json={"model": model, "messages": HELLO, **body})


def fault(name: str, headers: dict[str, str] = OPENAI) -> dict[str, str]:
    return {**headers, "x-fake-fault": name}


def data_events(text: str) -> list[Any]:
    """The ``data:`` payloads of an SSE body, JSON-decoded (``[DONE]`` stays a string); comments are skipped."""
    events = []
    for block in text.split("\n\n"):
        data = "\n".join(line[6:] for line in block.split("\n") if line.startswith("data: "))
        if data:
            events.append(data if data == "[DONE]" else json.loads(data))
    return events


def content_of(events: list[Any]) -> str:
    return "".join(
        e["choices"][0]["delta"].get("content") or "" for e in events if isinstance(e, dict) and e.get("choices")
    )


def ndjson(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line]


def wait_for(condition: Callable[[], bool], seconds: float = 2.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


# --- OpenAI-compatible routes. ---


def test_chat_completion_echoes_the_last_user_message_and_counts_four_characters_per_token(client):
    messages = [
        {"role": "system", "content": "Be terse."},
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "ok"},
        {"role": "user", "content": [{"type": "text", "text": "last one"}]},
    ]
    response = client.post(CHAT, headers=OPENAI, json={"model": "echo-1", "messages": messages})
    body = response.json()
    assert response.status_code == 200
    assert body["object"] == "chat.completion" and body["model"] == "echo-1"
    assert body["choices"][0] == {
        "index": 0,
        "message": {"role": "assistant", "content": "Echo: last one"},
        "finish_reason": "stop",
        "logprobs": None,
    }
    assert {k: body["usage"][k] for k in ("prompt_tokens", "completion_tokens", "total_tokens")} == {
        "prompt_tokens": 3 + 2 + 1 + 2,
        "completion_tokens": 4,
        "total_tokens": 12,
    }


@pytest.mark.parametrize("prefix", ["/v1", ""])
def test_openai_routes_answer_with_and_without_the_v1_prefix(client, prefix):
    assert (
        chat(client, path=f"{prefix}/chat/completions").json()["choices"][0]["message"]["content"]
        == "Echo: hello world"
    )
    assert client.get(f"{prefix}/models", headers=OPENAI).status_code == 200
    assert (
        client.post(f"{prefix}/embeddings", headers=OPENAI, json={"model": "embed-1", "input": "x"}).status_code == 200
    )


def test_stream_sends_the_reply_in_four_character_deltas_and_ends_with_done(client):
    response = chat(client, stream=True)
    events = data_events(response.text)
    assert response.headers["content-type"].startswith("text/event-stream")
    assert events[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    assert [e["choices"][0]["delta"]["content"] for e in events[1:-2]] == ["Echo", ": he", "llo ", "worl", "d"]
    assert events[-2]["choices"][0]["finish_reason"] == "stop"
    assert events[-1] == "[DONE]"
    assert all(e["usage"] is None for e in events[:-1])


def test_stream_with_include_usage_sends_a_usage_chunk_with_empty_choices_just_before_done(client):
    events = data_events(chat(client, stream=True, stream_options={"include_usage": True}).text)
    assert events[-1] == "[DONE]"
    assert events[-2]["choices"] == []
    assert events[-2]["usage"] == {"prompt_tokens": 3, "completion_tokens": 5, "total_tokens": 8}


def test_stream_without_include_usage_sends_no_usage_chunk(client):
    events = data_events(chat(client, stream=True).text)
    assert all(e == "[DONE]" or (e["choices"] and e["usage"] is None) for e in events)


def test_an_invalid_bearer_key_is_an_openai_401(client):
    response = chat(client, headers={"authorization": "Bearer invalid"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_api_key"


def test_a_request_without_a_key_is_served_like_a_local_server(client):
    assert chat(client, headers={}).status_code == 200


def test_models_lists_the_echo_models(client):
    body = client.get("/v1/models", headers=OPENAI).json()
    assert body["object"] == "list"
    assert [m["id"] for m in body["data"]] == ["echo-1", "echo-2", "embed-1", "rerank-1", "whisper-1"]


def test_embeddings_are_deterministic_unit_vectors_sized_by_dimensions(client):
    def embed(**extra: Any) -> dict[str, Any]:
        body = {"model": "embed-1", "input": ["alpha", "beta gamma"], **extra}
        return client.post("/v1/embeddings", headers=OPENAI, json=body).json()

    first, again, wide = embed(), embed(), embed(dimensions=32)
    vectors = [d["embedding"] for d in first["data"]]
    assert first == again
    assert [len(v) for v in vectors] == [8, 8] and vectors[0] != vectors[1]
    assert abs(sum(x * x for x in vectors[0]) - 1) < 1e-4
    assert len(wide["data"][0]["embedding"]) == 32
    assert first["usage"] == {"prompt_tokens": 2 + 3, "total_tokens": 5}


def test_base64_embeddings_decode_to_the_same_float32_values(client):
    def embed(fmt: str) -> Any:
        body = {"model": "embed-1", "input": "alpha", "encoding_format": fmt}
        return client.post("/v1/embeddings", headers=OPENAI, json=body).json()["data"][0]["embedding"]

    decoded = struct.unpack("<8f", base64.b64decode(embed("base64")))
    assert decoded == pytest.approx(embed("float"), abs=1e-6)


def test_transcription_reads_the_multipart_upload_byte_for_byte(client):
    audio = bytes(range(256)) * 4 + b"\r\n--boundary-like\r\n"
    files = {"file": ("talk.wav", audio, "audio/wav")}
    response = client.post("/v1/audio/transcriptions", headers=OPENAI, files=files, data={"model": "whisper-1"})
    assert response.json() == {"text": f"transcript of talk.wav ({len(audio)} bytes)"}


def test_transcription_with_text_format_is_plain_text(client):
    data = {"model": "whisper-1", "response_format": "text"}
    response = client.post("/audio/transcriptions", headers=OPENAI, files={"file": ("a.mp3", b"abc")}, data=data)
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text == "transcript of a.mp3 (3 bytes)"


def test_transcription_without_a_file_is_a_400(client):
    response = client.post("/v1/audio/transcriptions", headers=OPENAI, files={"model": (None, "whisper-1")})
    assert response.status_code == 400
    assert "'file'" in response.json()["error"]["message"]


# --- Azure. ---


def test_azure_chat_takes_the_api_key_header_and_names_the_deployment_as_model(client):
    body = client.post(AZURE_CHAT, headers=AZURE, json={"messages": HELLO}).json()
    assert body["model"] == "gpt-dep"
    assert body["choices"][0]["message"]["content"] == "Echo: hello world"


def test_azure_without_api_version_is_resource_not_found(client):
    response = client.post("/openai/deployments/gpt-dep/chat/completions", headers=AZURE, json={"messages": HELLO})
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "404", "message": "Resource not found"}}


@pytest.mark.parametrize("headers", [{}, {"api-key": "invalid"}])
def test_azure_refuses_a_missing_or_invalid_key_with_a_string_code(client, headers):
    response = client.post(AZURE_CHAT, headers=headers, json={"messages": HELLO})
    assert response.status_code == 401
    assert response.json() == {
        "error": {"code": "401", "message": "Access denied due to invalid subscription key or wrong API endpoint."}
    }


def test_azure_stream_begins_with_an_empty_choices_filter_chunk(client):
    events = data_events(client.post(AZURE_CHAT, headers=AZURE, json={"messages": HELLO, "stream": True}).text)
    assert events[0] == {"id": "", "choices": [], "created": 0, "model": "", "object": "", "prompt_filter_results": []}
    assert content_of(events) == "Echo: hello world"


def test_azure_serves_models_embeddings_and_transcriptions_under_its_paths(client):
    query = "?api-version=2024-10-21"
    assert client.get(f"/openai/models{query}", headers=AZURE).json()["data"][0]["id"] == "echo-1"
    embed = client.post(f"/openai/deployments/emb/embeddings{query}", headers=AZURE, json={"input": "x"})
    assert embed.json()["model"] == "emb"
    files = {"file": ("a.wav", b"1234")}
    stt = client.post(f"/openai/deployments/stt/audio/transcriptions{query}", headers=AZURE, files=files)
    assert stt.json() == {"text": "transcript of a.wav (4 bytes)"}


# --- Anthropic. ---


def messages(client: httpx.Client, headers: dict[str, str] = ANTHROPIC, **body: Any) -> httpx.Response:
    return client.post("/v1/messages", headers=headers, json={"model": "echo-1", "max_tokens": 64, **body})


def test_anthropic_message_has_text_content_and_counts_the_top_level_system(client):
    body = messages(client, system="Be terse.", messages=HELLO).json()
    assert body["type"] == "message" and body["role"] == "assistant"
    assert body["content"] == [{"type": "text", "text": "Echo: hello world"}]
    assert body["stop_reason"] == "end_turn"
    assert body["usage"]["input_tokens"] == 3 + 3 and body["usage"]["output_tokens"] == 5


def test_anthropic_requires_max_tokens(client):
    response = client.post("/v1/messages", headers=ANTHROPIC, json={"model": "echo-1", "messages": HELLO})
    assert response.status_code == 400
    assert response.json()["error"] == {"type": "invalid_request_error", "message": "max_tokens: Field required"}


def test_anthropic_rejects_system_as_a_message_role(client):
    response = messages(client, messages=[{"role": "system", "content": "x"}, *HELLO])
    assert response.status_code == 400
    assert "top-level `system`" in response.json()["error"]["message"]


def test_anthropic_requires_the_version_header(client):
    response = messages(client, headers={"x-api-key": KEY}, messages=HELLO)
    assert response.status_code == 400
    assert "anthropic-version" in response.json()["error"]["message"]


@pytest.mark.parametrize("headers", [{"anthropic-version": "2023-06-01"}, {**ANTHROPIC, "x-api-key": "invalid"}])
def test_anthropic_refuses_a_missing_or_invalid_key_with_an_authentication_error(client, headers):
    response = messages(client, headers=headers, messages=HELLO)
    assert response.status_code == 401
    assert response.headers["request-id"] == "req_fake"
    assert response.json() == {
        "type": "error",
        "error": {"type": "authentication_error", "message": "invalid x-api-key"},
        "request_id": "req_fake",
    }


def test_anthropic_stream_sends_named_events_with_input_tokens_first_and_output_tokens_last(client):
    text = messages(client, messages=HELLO, stream=True).text
    names = [line.removeprefix("event: ") for line in text.splitlines() if line.startswith("event: ")]
    assert names == [
        "message_start",
        "content_block_start",
        "ping",
        *["content_block_delta"] * 5,
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    events = data_events(text)
    assert events[0]["message"]["usage"]["input_tokens"] == 3
    assert "".join(e["delta"]["text"] for e in events if e["type"] == "content_block_delta") == "Echo: hello world"
    assert events[-2]["usage"] == {"output_tokens": 5}
    assert "[DONE]" not in text


def test_anthropic_models_list_has_pagination_fields(client):
    body = client.get("/v1/models", headers=ANTHROPIC).json()
    assert [m["id"] for m in body["data"]] == ["echo-1", "echo-2"]
    assert (body["has_more"], body["first_id"], body["last_id"]) == (False, "echo-1", "echo-2")
    page = client.get("/v1/models?limit=1", headers=ANTHROPIC).json()
    assert page["has_more"] is True and page["last_id"] == "echo-1"


# --- Ollama native. ---


def ollama_chat(client: httpx.Client, model: str = "llama3.2", **body: Any) -> httpx.Response:
    return client.post("/api/chat", json={"model": model, "messages": HELLO, **body})


def test_ollama_chat_streams_ndjson_by_default_and_ends_with_metrics(client):
    response = ollama_chat(client)
    lines = ndjson(response.text)
    assert response.headers["content-type"] == "application/x-ndjson"
    assert "".join(line["message"]["content"] for line in lines) == "Echo: hello world"
    assert [line["done"] for line in lines] == [False] * 5 + [True]
    final = lines[-1]
    assert (final["done_reason"], final["prompt_eval_count"], final["eval_count"]) == ("stop", 3, 5)
    assert final["total_duration"] == final["load_duration"] + final["prompt_eval_duration"] + final["eval_duration"]


def test_ollama_chat_without_streaming_is_one_final_object(client):
    body = ollama_chat(client, stream=False).json()
    assert body["message"] == {"role": "assistant", "content": "Echo: hello world"}
    assert body["done"] is True and body["eval_count"] == 5


def test_ollama_model_named_missing_is_not_found(client):
    response = ollama_chat(client, model="missing")
    assert response.status_code == 404
    assert response.json() == {"error": "model 'missing' not found"}


def test_ollama_needs_no_key_but_refuses_the_invalid_one(client):
    assert ollama_chat(client, stream=False).status_code == 200
    response = client.post("/api/chat", headers={"authorization": "Bearer invalid"}, json={"model": "m"})
    assert response.status_code == 401 and response.json() == {"error": "unauthorized"}


def test_ollama_lists_tags_and_embeds_a_list_of_inputs(client):
    assert client.get("/api/tags").json()["models"][0]["name"] == "echo-1:latest"
    body = client.post("/api/embed", json={"model": "embed-1", "input": ["a", "b"], "dimensions": 4}).json()
    assert [len(v) for v in body["embeddings"]] == [4, 4]
    assert body["prompt_eval_count"] == 2


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


# --- Replicate. ---


def test_replicate_prediction_succeeds_at_once_with_echo_output(client):
    headers = {**OPENAI, "prefer": "wait"}
    response = client.post("/v1/models/acme/echo/predictions", headers=headers, json={"input": {"prompt": "hi"}})
    body = response.json()
    assert response.status_code == 201
    assert (body["status"], body["output"], body["model"]) == ("succeeded", ["Echo: ", "hi"], "acme/echo")
    assert body["metrics"]["input_token_count"] == 1 and body["metrics"]["output_token_count"] == 2


def test_replicate_describes_a_model(client):
    body = client.get("/v1/models/acme/echo", headers=OPENAI).json()
    assert (body["owner"], body["name"], body["latest_version"]["id"]) == ("acme", "echo", "fake-version")


def test_replicate_errors_are_problem_json(client):
    refused = client.post("/v1/models/acme/echo/predictions", json={"input": {"prompt": "hi"}})
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json() == {
        "detail": "You did not pass a valid authentication token",
        "status": 401,
        "title": "Unauthenticated",
    }
    invalid = client.post("/v1/models/acme/echo/predictions", headers=OPENAI, json={"input": {}})
    assert invalid.status_code == 422 and invalid.json()["title"] == "Input validation failed"


# --- Flavours of the OpenAI protocol. ---


def test_moonshot_stream_puts_usage_inside_the_final_choice_and_not_at_the_top(client):
    events = data_events(chat(client, "moonshot-echo", stream=True, stream_options={"include_usage": True}).text)
    final = events[-2]
    assert final["choices"][0]["finish_reason"] == "stop"
    assert final["choices"][0]["usage"] == {"prompt_tokens": 3, "completion_tokens": 5, "total_tokens": 8}
    assert all(e == "[DONE]" or (e["choices"] and e["usage"] is None) for e in events)


def test_deepseek_stream_opens_with_keep_alives_and_reasons_before_answering(client):
    text = chat(client, "deepseek-echo", stream=True).text
    assert text.startswith(": keep-alive\n\n")
    deltas = [e["choices"][0]["delta"] for e in data_events(text) if e != "[DONE]" and e["choices"]]
    reasoning = [i for i, d in enumerate(deltas) if d.get("reasoning_content")]
    answer = [i for i, d in enumerate(deltas) if d.get("content")]
    assert reasoning and answer and max(reasoning) < min(answer)


def test_deepseek_completion_carries_reasoning_content(client):
    message = chat(client, "deepseek-echo").json()["choices"][0]["message"]
    assert message["reasoning_content"] and message["content"] == "Echo: hello world"


def test_the_flavour_can_come_from_a_header(client):
    text = chat(client, "plain", headers={**OPENAI, "x-fake-flavor": "deepseek"}, stream=True).text
    assert text.startswith(": keep-alive")


def test_gemini_answers_a_bad_key_with_a_400_json_array(client):
    response = chat(client, "gemini-2.5-flash", headers={"authorization": "Bearer invalid"})
    assert response.status_code == 400
    assert response.json() == [
        {
            "error": {
                "code": 400,
                "message": "API key not valid. Please pass a valid API key.",
                "status": "INVALID_ARGUMENT",
            }
        }
    ]


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({"authorization": "Bearer invalid"}, 401, "1002"),
        (fault("context"), 400, "1261"),
        (fault("429"), 429, "1302"),
    ],
)
def test_zhipu_errors_carry_string_business_codes(client, headers, status, code):
    response = chat(client, "zhipu-glm", headers=headers)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    if status == 401:
        assert response.json()["error"]["message"] == "Authorization Token非法"


def test_vllm_answers_a_bad_key_with_a_flat_unauthorized(client):
    response = chat(client, "vllm-echo", headers={"authorization": "Bearer invalid"})
    assert response.status_code == 401 and response.json() == {"error": "Unauthorized"}


# --- Faults. ---


def test_latency_delays_the_reply(client):
    started = time.monotonic()
    assert chat(client, headers=fault("latency-150")).status_code == 200
    assert time.monotonic() - started >= 0.15


def test_latency_also_paces_every_stream_frame(client):
    started = time.monotonic()
    events = data_events(chat(client, headers=fault("latency-30"), stream=True).text)
    assert len(events) == 8
    assert time.monotonic() - started >= 8 * 0.03


def test_429_carries_retry_after_one_second_or_the_requested_value(client):
    default = chat(client, headers=fault("429"))
    chosen = chat(client, headers={**fault("429"), "x-fake-retry-after": "7"})
    assert default.status_code == 429 and default.headers["retry-after"] == "1"
    assert default.json()["error"]["code"] == "rate_limit_exceeded"
    assert chosen.headers["retry-after"] == "7"


def test_429ms_carries_only_retry_after_ms(client):
    default = chat(client, headers=fault("429ms"))
    chosen = chat(client, headers={**fault("429ms"), "x-fake-retry-after-ms": "20"})
    assert default.status_code == 429 and default.headers["retry-after-ms"] == "1500"
    assert "retry-after" not in default.headers
    assert chosen.headers["retry-after-ms"] == "20"


@pytest.mark.parametrize("status", [400, 401, 403, 404, 408, 409, 422, 500, 502, 503, 529])
def test_a_status_fault_answers_that_status_with_an_openai_error_body(client, status):
    response = chat(client, headers=fault(str(status)))
    assert response.status_code == status
    assert response.json()["error"]["message"] and response.json()["error"]["type"]


@pytest.mark.parametrize(
    ("status", "type_"),
    [
        (400, "invalid_request_error"),
        (403, "permission_error"),
        (404, "not_found_error"),
        (429, "rate_limit_error"),
        (500, "api_error"),
        (503, "api_error"),
        (529, "overloaded_error"),
    ],
)
def test_a_status_fault_on_anthropic_uses_its_error_type(client, status, type_):
    response = messages(client, headers=fault(str(status), ANTHROPIC), messages=HELLO)
    assert response.status_code == status
    assert response.json()["type"] == "error" and response.json()["error"]["type"] == type_


def test_a_status_fault_on_ollama_is_a_flat_error_string(client):
    response = client.post("/api/chat", headers={"x-fake-fault": "503"}, json={"model": "m"})
    assert response.status_code == 503 and isinstance(response.json()["error"], str)


def test_context_fault_uses_each_protocols_context_error(client):
    openai = chat(client, headers=fault("context")).json()["error"]
    anthropic = messages(client, headers=fault("context", ANTHROPIC), messages=HELLO).json()["error"]
    ollama = client.post("/api/chat", headers={"x-fake-fault": "context"}, json={"model": "m"})
    moonshot = chat(client, "moonshot-echo", headers=fault("context")).json()["error"]
    assert openai["code"] == "context_length_exceeded"
    assert anthropic == {
        "type": "invalid_request_error",
        "message": "prompt is too long: 250000 tokens > 200000 maximum",
    }
    assert ollama.status_code == 400 and "context length" in ollama.json()["error"]
    assert moonshot["message"] == "Invalid request: Your request exceeded model token limit: 262144 (requested: 269030)"


def test_a_stalled_request_times_the_client_out_without_holding_up_other_requests(client):
    with pytest.raises(httpx.ReadTimeout):
        client.post(CHAT, headers=fault("stall"), json={"model": "m", "messages": HELLO}, timeout=0.2)
    started = time.monotonic()
    assert chat(client).status_code == 200
    assert time.monotonic() - started < 1


def test_stopping_the_server_ends_a_stall_promptly():
    errors: list[Exception] = []
    with running_fake_server() as fake:

        def stalled() -> None:
            try:
                httpx.post(fake.url + CHAT, headers=fault("stall"), json={"messages": HELLO}, timeout=10, verify=TLS)
            except httpx.HTTPError as exc:
                errors.append(exc)

        thread = threading.Thread(target=stalled)
        thread.start()
        wait_for(lambda: len(fake.requests) == 1)
        stopping = time.monotonic()
    thread.join(timeout=3)
    assert time.monotonic() - stopping < 2
    assert len(errors) == 1 and isinstance(errors[0], httpx.RemoteProtocolError)


def test_cut_streams_two_chunks_then_drops_the_connection_without_done(client):
    lines: list[str] = []
    body = {"model": "m", "messages": HELLO, "stream": True}
    with pytest.raises(httpx.RemoteProtocolError), client.stream("POST", CHAT, headers=fault("cut"), json=body) as r:
        lines.extend(r.iter_lines())
    events = data_events("\n".join(lines))
    assert content_of(events) == "Echo: he"
    assert "[DONE]" not in events


def test_cut_without_streaming_announces_more_body_than_it_sends(client):
    with pytest.raises(httpx.RemoteProtocolError, match=r"incomplete|expected"):
        chat(client, headers=fault("cut"))


def test_malformed_is_truncated_json_with_status_200(client):
    response = chat(client, headers=fault("malformed"))
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    assert response.text == '{"id": "x", "choices": ['


@pytest.mark.parametrize(("name", "status"), [("html", 502), ("html200", 200)])
def test_html_faults_answer_a_gateway_page(client, name, status):
    response = chat(client, headers=fault(name))
    assert (response.status_code, response.headers["content-type"]) == (status, "text/html")
    assert response.text == "<html><body><h1>502 Bad Gateway</h1></body></html>"


def test_flaky_fails_the_first_n_requests_per_key_until_reset(client, fake):
    assert [chat(client, "echo-fault-flaky-2").status_code for _ in range(3)] == [500, 500, 200]
    other_key = {**fault("flaky-1"), "x-fake-key": "job-7"}
    assert [chat(client, headers=other_key).status_code for _ in range(2)] == [500, 200]
    fake.reset()
    assert chat(client, "echo-fault-flaky-2").status_code == 500


def test_midstream_error_sends_an_openai_error_frame_after_two_chunks(client):
    response = chat(client, headers=fault("midstream-error"), stream=True)
    events = data_events(response.text)
    assert response.status_code == 200
    assert content_of(events) == "Echo: he"
    assert events[-1] == {"error": {"message": "overloaded", "type": "server_error"}}


def test_midstream_error_sends_an_anthropic_error_event(client):
    text = messages(client, headers=fault("midstream-error", ANTHROPIC), messages=HELLO, stream=True).text
    assert text.endswith(
        'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n'
    )
    assert "message_stop" not in text


def test_midstream_error_sends_an_ollama_error_line_with_status_200(client):
    response = client.post(
        "/api/chat", headers={"x-fake-fault": "midstream-error"}, json={"model": "m", "messages": HELLO}
    )
    lines = ndjson(response.text)
    assert response.status_code == 200
    assert [line.get("message", {}).get("content") for line in lines[:2]] == ["Echo", ": he"]
    assert set(lines[-1]) == {"error"}


def test_redirect_points_at_another_host_on_the_same_port(client, fake):
    response = chat(client, headers=fault("redirect"))
    assert response.status_code == 307
    assert response.headers["location"] == f"http://127.0.0.2:{fake.port}{CHAT}"


def test_echo_key_puts_the_received_key_in_the_error_message(client):
    response = chat(client, headers=fault("echo-key"))
    assert response.status_code == 400 and KEY in response.json()["error"]["message"]


def test_a_fault_can_be_named_at_the_end_of_the_model(client):
    response = chat(client, "echo-fault-429")
    assert response.status_code == 429 and response.headers["retry-after"] == "1"


def test_an_unknown_fault_is_a_400_that_names_it(client):
    response = chat(client, headers=fault("gremlins"))
    assert response.status_code == 400 and "gremlins" in response.json()["error"]["message"]


# --- The server itself. ---


def test_requests_are_recorded_with_lower_cased_headers_and_raw_body_until_reset(client, fake):
    client.post(CHAT + "?trace=1", headers={**OPENAI, "X-Trace-Id": "t-1"}, content=b'{"model":"m","messages":[]}')
    (recorded,) = fake.requests
    assert (recorded.method, recorded.path) == ("POST", CHAT + "?trace=1")
    assert recorded.headers["x-trace-id"] == "t-1" and recorded.headers["authorization"] == f"Bearer {KEY}"
    assert recorded.body == b'{"model":"m","messages":[]}'
    fake.reset()
    assert fake.requests == []


def test_an_unknown_route_is_a_404(client):
    assert client.get("/nowhere").status_code == 404


def test_the_url_names_the_loopback_port(fake):
    assert fake.url == f"http://127.0.0.1:{fake.port}" and fake.port > 0


def test_the_command_refuses_to_serve_on_a_non_loopback_host():
    with pytest.raises(CommandError, match="loopback"):
        call_command("fake_provider", "--host", "192.0.2.10")
