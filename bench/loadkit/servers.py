"""The mock upstream and the floor proxies as processes, and the OpenAI-style request every proxy is sent."""

from __future__ import annotations

import importlib.util
import json
import os
import sys

import httpx

from .client import Target
from .mock import REPLY_MARKER
from .processes import CLIENT_CORE, SERVER_CORE, Processes, Server, free_port, wait_ready

CHAT_PATH = "/v1/chat/completions"
FLOORS = {"httpx": "bench.loadkit.floor:httpx_app", "aiohttp": "bench.loadkit.floor:aiohttp_app"}


def start_mock(processes: Processes, latency_ms: float) -> Server:
    port = free_port()
    command = [sys.executable, "-m", "bench.loadkit.mock", "--port", str(port), "--latency-ms", str(latency_ms)]
    server = processes.start("mock upstream", command, core=CLIENT_CORE, url=f"http://127.0.0.1:{port}")
    wait_ready(server, "/health", timeout=20)
    return server


def mock_requests(mock: Server) -> int:
    """Chat requests the mock has served so far."""
    return int(httpx.get(f"{mock.url}/stats", timeout=5).json()["chat_requests"])


def floor_missing(client: str) -> str:
    """Why the floor proxy with this client cannot run, or ""."""
    if client == "aiohttp" and importlib.util.find_spec("aiohttp") is None:
        return "aiohttp is not installed (`.venv/bin/pip install -e '.[dev]'` brings it)"
    return ""


def start_floor(processes: Processes, client: str, mock: Server) -> Server:
    port = free_port()
    command = [
        *(sys.executable, "-m", "uvicorn", FLOORS[client]),
        *("--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning"),
    ]
    env = {**os.environ, "BENCH_UPSTREAM": mock.url}
    server = processes.start(f"{client} proxy", command, core=SERVER_CORE, env=env, url=f"http://127.0.0.1:{port}")
    wait_ready(server, "/health")
    return server


def openai_target(base_url: str, *, model: str = "mock-model", api_key: str = "sk-bench-000000000000") -> Target:
    """A one-message chat completion, as JSON and as a stream."""
    request = {"model": model, "messages": [{"role": "user", "content": "hi"}]}
    return Target(
        url=base_url + CHAT_PATH,
        body=json.dumps(request).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {api_key}"},
        marker=REPLY_MARKER,
        stream_url=base_url + CHAT_PATH,
        stream_body=json.dumps({**request, "stream": True}).encode(),
    )
