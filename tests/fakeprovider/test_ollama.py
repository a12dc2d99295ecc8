"""Ollama's native API: NDJSON streams, tags and embeddings."""

from __future__ import annotations

from typing import Any

import httpx

from tests.fakeprovider.helpers import (
    HELLO,
    ndjson,
)

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


# --- What the adapter sends: images, stop, think; and /api/show. ---

PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="


def test_ollama_says_how_many_images_arrived_and_refuses_what_is_not_base64(client):
    with_image = [{"role": "user", "content": "what?", "images": [PNG, PNG]}]
    assert (
        ollama_chat(client, messages=with_image, stream=False).json()["message"]["content"] == "[2 images] Echo: what?"
    )
    bad = [{"role": "user", "content": "what?", "images": ["https://example.com/cat.png"]}]
    response = ollama_chat(client, messages=bad, stream=False)
    assert response.status_code == 400 and "base64" in response.json()["error"]


def test_ollama_cuts_the_reply_at_a_stop_option(client):
    assert ollama_chat(client, stream=False, options={"stop": [" world"]}).json()["message"]["content"] == "Echo: hello"


def test_ollama_thinks_when_think_is_true_or_a_level(client):
    for think in (True, "high"):
        message = ollama_chat(client, stream=False, think=think).json()["message"]
        assert message == {"role": "assistant", "content": "Echo: hello world", "thinking": "The user wants an echo."}
    lines = ndjson(ollama_chat(client, think=True).text)
    assert "".join(line["message"].get("thinking", "") for line in lines) == "The user wants an echo."
    assert "thinking" not in ollama_chat(client, stream=False, think=False).json()["message"]


def test_ollama_refuses_an_unknown_think_value(client):
    response = ollama_chat(client, stream=False, think="extreme")
    assert response.status_code == 400 and "invalid think value" in response.json()["error"]


def test_ollama_shows_model_info_with_the_architectures_context_length(client):
    body = client.post("/api/show", json={"model": "echo-1:latest"}).json()
    info = body["model_info"]
    assert info[f"{info['general.architecture']}.context_length"] == 32768
    assert "completion" in body["capabilities"]
    assert client.post("/api/show", json={"model": "embed-1:latest"}).json()["capabilities"] == ["embedding"]
    assert client.post("/api/show", json={"model": "missing"}).status_code == 404
