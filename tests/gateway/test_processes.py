"""The gateway as production runs it: two uvicorn processes on one database, sharing Redis (``gateway.health``).
An RPM limit of 60 lets exactly 60 of 100 requests through in total; a deployment one process cooled down is left
out by the other; a revocation made here is seen by both on their next request.

With CI=true a missing Redis is a failure; elsewhere these tests skip and say why.
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from gateway.health import RedisStore
from gateway.keys import api_key_create, api_key_revoke
from gateway.models import Deployment, Route
from tests.processes import subprocess_environment
from tests.redis_service import REDIS_URL, redis_or_skip

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def prefix() -> Iterator[str]:
    client = redis_or_skip()
    prefix = f"test-gateway-{uuid.uuid4().hex[:8]}:"
    yield prefix
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)


@pytest.fixture
def servers(prefix) -> Iterator[list[str]]:
    """Two uvicorn processes serving config.asgi on the test database and one Redis prefix."""
    env = subprocess_environment(GATEWAY_REDIS_URL=REDIS_URL, GATEWAY_REDIS_PREFIX=prefix, PROVIDER_MAX_ATTEMPTS="1")
    urls, processes = [], []
    for _ in range(2):
        port = _free_port()
        command = [sys.executable, "-m", "uvicorn", "config.asgi:application", "--port", str(port), "--no-access-log"]
        processes.append(subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.PIPE))
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for url, process in zip(urls, processes, strict=True):
            _wait_ready(url, process)
        yield urls
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)


def _wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"uvicorn exited: {process.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
        try:
            httpx.get(f"{url}/v1/models", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"uvicorn at {url} did not answer within 60 s")


def _chat(url: str, key: str, model: str = "team/echo-1") -> httpx.Response:
    body = {"model": model, "messages": [{"role": "user", "content": "hi"}]}
    return httpx.post(f"{url}/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {key}"}, timeout=30)


def test_an_rpm_limit_is_shared_by_every_process(llm, owner, servers):
    key = api_key_create(owner=owner, name="shared", rpm_limit=60)[1]
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda i: _chat(servers[i % 2], key), range(100)))
    statuses = Counter(a.status_code for a in answers)
    assert statuses == {200: 60, 429: 40}, statuses
    refused = next(a for a in answers if a.status_code == 429)
    assert refused.json()["error"]["code"] == "requests_per_minute"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    per_process = Counter(a.url.port for a in answers if a.status_code == 200)
    assert len(per_process) == 2  # both processes let some through: the 60 are counted together


def test_a_cooldown_and_a_revocation_are_seen_by_every_process(point_at, owner, servers, prefix):
    route = Route.objects.create(name="team-chat", cooldown_seconds=60)
    failing = Deployment.objects.create(
        route=route, credential=point_at("openai_compatible", name="east"), model="echo-1-fault-429", weight=1000
    )
    Deployment.objects.create(route=route, credential=point_at("openai_compatible", name="north"), model="echo-1")
    plain, key = api_key_create(owner=owner, name="shared")
    store = RedisStore(REDIS_URL, prefix)
    for _ in range(20):  # the heavy failing deployment is drawn first almost always, then cools down
        assert _chat(servers[0], key, "team-chat").status_code == 200
        if store.cooling([failing.id]):
            break
    assert store.cooling([failing.id])[failing.id].reason == "rate_limited"

    for _ in range(5):  # the other process leaves it out
        answer = _chat(servers[1], key, "team-chat")
        assert answer.status_code == 200 and answer.json()["model"] == "team-chat"
        assert answer.headers["x-modeldesk-deployment"] == "north/echo-1"
        assert answer.headers["x-modeldesk-attempts"] == "1"

    for url in servers:
        assert _chat(url, key, "north/echo-1").status_code == 200
    api_key_revoke(plain)
    for url in servers:
        answer = _chat(url, key, "north/echo-1")
        assert answer.status_code == 401 and answer.json()["error"]["code"] == "invalid_api_key"
