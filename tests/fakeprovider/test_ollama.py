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
