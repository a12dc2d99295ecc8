"""The OpenAI-compatible and Azure routes answer in OpenAI's wire format."""

from __future__ import annotations

import base64
import json
import struct
from typing import Any

import pytest

from tests.fakeprovider.helpers import (
    AZURE,
    AZURE_CHAT,
    CHAT,
    HELLO,
    OPENAI,
    chat,
    content_of,
    data_events,
)

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


# --- Model-name switches and request-driven behaviour. ---


def test_a_think_model_opens_its_content_with_a_think_block_cut_across_stream_chunks(client):
    content = chat(client, "minimax-think").json()["choices"][0]["message"]["content"]
    assert content == "<think>\nThe user wants an echo.\n</think>\n\nEcho: hello world"
    events = data_events(chat(client, "minimax-think", stream=True).text)
    assert content_of(events) == content
    assert not any("<think>" in (e["choices"][0]["delta"].get("content") or "") for e in events[1:-2])


def test_a_think_model_asked_to_split_sends_reasoning_details(client):
    message = chat(client, "minimax-think", reasoning_split=True).json()["choices"][0]["message"]
    assert message["content"] == "Echo: hello world"
    assert message["reasoning_details"][0] == {
        "type": "reasoning.text",
        "id": "reasoning-text-1",
        "text": "The user wants an echo.",
    }
    events = data_events(chat(client, "minimax-think", stream=True, reasoning_split=True).text)
    details = [d["text"] for e in events[1:-2] for d in e["choices"][0]["delta"].get("reasoning_details") or []]
    assert "".join(details) == "The user wants an echo." and content_of(events) == "Echo: hello world"


def test_a_reasoner_model_reasons_in_reasoning_content_before_answering(client):
    message = chat(client, "local-reasoner").json()["choices"][0]["message"]
    assert message["reasoning_content"] == "The user wants an echo." and message["content"] == "Echo: hello world"


def test_a_nousage_model_reports_no_usage_at_all(client):
    assert "usage" not in chat(client, "echo-nousage").json()
    events = data_events(chat(client, "echo-nousage", stream=True, stream_options={"include_usage": True}).text)
    assert all(e == "[DONE]" or e["usage"] is None for e in events)


@pytest.mark.parametrize("kind", ["json_object", "json_schema"])
def test_json_mode_replies_with_a_json_object(client, kind):
    content = chat(client, response_format={"type": kind}).json()["choices"][0]["message"]["content"]
    assert json.loads(content) == {"echo": "Echo: hello world"}


def test_image_parts_are_counted_in_the_reply(client):
    png = base64.b64encode(b"\x89PNG").decode()
    parts = [
        {"type": "text", "text": "these?"},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{png}"}},
        {"type": "image_url", "image_url": {"url": "https://example.com/a.jpg"}},
    ]
    body = {"model": "echo-1", "messages": [{"role": "user", "content": parts}]}
    assert client.post(CHAT, headers=OPENAI, json=body).json()["choices"][0]["message"]["content"] == (
        "[2 images] Echo: these?"
    )
    parts[1]["image_url"]["url"] = "data:image/png;base64,not base64!"
    assert client.post(CHAT, headers=OPENAI, json=body).status_code == 400


def test_azure_v1_routes_name_the_deployment_in_the_body_and_need_no_api_version(client):
    body = client.post("/openai/v1/chat/completions", headers=AZURE, json={"model": "prod-4o", "messages": HELLO})
    assert body.json()["model"] == "prod-4o"
    assert client.get("/openai/v1/models", headers=AZURE).status_code == 200
    missing = client.post("/openai/v1/chat/completions", headers=AZURE, json={"model": "missing-x", "messages": HELLO})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "DeploymentNotFound"
    assert client.post("/openai/v1/chat/completions", json={"model": "prod-4o", "messages": HELLO}).status_code == 401
