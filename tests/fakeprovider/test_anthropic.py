"""The Anthropic Messages routes: named events, required max_tokens and version header."""

from __future__ import annotations

import pytest

from tests.fakeprovider.helpers import (
    ANTHROPIC,
    HELLO,
    KEY,
    data_events,
    messages,
)

# --- Anthropic. ---


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


# --- What the adapter sends: images, stop sequences, thinking, the prompt cache. ---

PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="


def image_turn(*sources: dict) -> list[dict]:
    blocks = [{"type": "image", "source": source} for source in sources]
    return [{"role": "user", "content": [*blocks, {"type": "text", "text": "what?"}]}]


def test_anthropic_says_how_many_images_arrived(client):
    base64 = {"type": "base64", "media_type": "image/png", "data": PNG}
    url = {"type": "url", "url": "https://example.com/cat.png"}
    assert messages(client, messages=image_turn(base64)).json()["content"][0]["text"] == "[1 image] Echo: what?"
    assert messages(client, messages=image_turn(base64, url)).json()["content"][0]["text"] == "[2 images] Echo: what?"


def test_anthropic_refuses_an_image_without_its_source(client):
    response = messages(client, messages=image_turn({"type": "base64", "data": PNG}))
    assert response.status_code == 400 and "image.source" in response.json()["error"]["message"]


def test_anthropic_cuts_the_reply_at_a_stop_sequence(client):
    body = messages(client, messages=HELLO, stop_sequences=[" world"]).json()
    assert body["content"][0]["text"] == "Echo: hello"
    assert (body["stop_reason"], body["stop_sequence"]) == ("stop_sequence", " world")


@pytest.mark.parametrize("thinking", [{"type": "enabled", "budget_tokens": 1024}, {"type": "adaptive"}])
def test_anthropic_thinks_first_and_counts_thinking_as_output(client, thinking):
    body = messages(client, messages=HELLO, max_tokens=2048, thinking=thinking).json()
    assert body["content"][0] == {"type": "thinking", "thinking": "The user wants an echo.", "signature": "sig_fake"}
    assert body["content"][1] == {"type": "text", "text": "Echo: hello world"}
    assert body["usage"]["output_tokens"] == 5 + 6 and body["usage"]["output_tokens_details"] == {"thinking_tokens": 6}


def test_anthropic_without_thinking_or_with_it_disabled_has_no_thinking_block(client):
    for extra in ({}, {"thinking": {"type": "disabled"}}):
        assert [b["type"] for b in messages(client, messages=HELLO, **extra).json()["content"]] == ["text"]


def test_anthropic_omits_the_thinking_text_when_asked(client):
    thinking = {"type": "adaptive", "display": "omitted"}
    assert messages(client, messages=HELLO, thinking=thinking).json()["content"][0]["thinking"] == ""


@pytest.mark.parametrize(
    "thinking, message",
    [
        ({"type": "enabled", "budget_tokens": 512}, "greater than or equal to 1024"),
        ({"type": "enabled", "budget_tokens": 1024}, "`max_tokens` must be greater than `thinking.budget_tokens`"),
        ({"type": "sometimes"}, "thinking.type"),
    ],
)
def test_anthropic_refuses_thinking_it_cannot_do(client, thinking, message):
    response = messages(client, messages=HELLO, max_tokens=1024, thinking=thinking)
    assert response.status_code == 400 and message in response.json()["error"]["message"]


def test_anthropic_streams_a_thinking_block_with_its_signature_before_the_text(client):
    text = messages(client, messages=HELLO, max_tokens=2048, thinking={"type": "adaptive"}, stream=True).text
    events = data_events(text)
    deltas = [e["delta"] for e in events if e["type"] == "content_block_delta"]
    assert "".join(d.get("thinking", "") for d in deltas) == "The user wants an echo."
    assert {"type": "signature_delta", "signature": "sig_fake"} in deltas
    assert "".join(d.get("text", "") for d in deltas) == "Echo: hello world"
    starts = [e["content_block"]["type"] for e in events if e["type"] == "content_block_start"]
    assert starts == ["thinking", "text"]
    assert events[-2]["usage"] == {"output_tokens": 11, "output_tokens_details": {"thinking_tokens": 6}}


def test_anthropic_model_named_cached_reads_the_prompt_from_the_cache(client):
    usage = messages(client, model="echo-cached", messages=HELLO).json()["usage"]
    assert (usage["input_tokens"], usage["cache_read_input_tokens"], usage["cache_creation_input_tokens"]) == (1, 2, 0)
