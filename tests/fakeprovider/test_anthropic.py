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
