"""Shared by the fake provider tests: keys, paths, and readers for SSE and NDJSON bodies."""

from __future__ import annotations

import json
import ssl
import time
from collections.abc import Callable
from typing import Any

import httpx

KEY = "sk-fake-test-key-0123"
OPENAI = {"authorization": f"Bearer {KEY}"}
ANTHROPIC = {"x-api-key": KEY, "anthropic-version": "2023-06-01"}
AZURE = {"api-key": KEY}
HELLO = [{"role": "user", "content": "hello world"}]
CHAT = "/v1/chat/completions"
AZURE_CHAT = "/openai/deployments/gpt-dep/chat/completions?api-version=2024-10-21"
# Building an SSL context costs ~50 ms; the server is plain HTTP, so every client shares one.
TLS = ssl.create_default_context()


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


def messages(client: httpx.Client, headers: dict[str, str] = ANTHROPIC, **body: Any) -> httpx.Response:
    return client.post("/v1/messages", headers=headers, json={"model": "echo-1", "max_tokens": 64, **body})
