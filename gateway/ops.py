"""What a load balancer and Prometheus ask a process: ``/healthz`` (the process is up: no database), ``/readyz``
(the database and, when configured, Redis answer: 200, else 503 naming what does not) and ``/metrics``
(``gateway.metrics``; with ``METRICS_TOKEN`` set, only for ``Authorization: Bearer <token>``)."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from django.conf import settings
from django.db import connection

from core.redis import redis_client
from core.threads import hop_in_language as hop

from . import metrics

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
PATHS = ("/healthz", "/readyz", "/metrics")
logger = logging.getLogger(__name__)


def redis_urls() -> dict[str, str]:
    """The Redis servers this process relies on, by what it uses them for."""
    found = {
        "gateway": settings.GATEWAY_REDIS_URL,
        "quotas": settings.QUOTA_REDIS_URL,
        "broker": settings.CELERY_BROKER_URL
        if settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://"))
        else "",
    }
    return {use: url for use, url in found.items() if url}


def _checks() -> dict[str, str]:
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # any failure is the answer: not ready
        logger.warning("readyz: the database does not answer: %s", type(exc).__name__)
        checks["database"] = f"unreachable ({type(exc).__name__})"
    import redis

    for use, url in redis_urls().items():
        try:
            redis_client(url).ping()
            checks[f"redis ({use})"] = "ok"
        except redis.RedisError as exc:
            logger.warning("readyz: Redis for %s does not answer: %s", use, type(exc).__name__)
            checks[f"redis ({use})"] = f"unreachable ({type(exc).__name__})"
    return checks


def _metrics_allowed(scope: Scope) -> bool:
    token = settings.METRICS_TOKEN
    if not token:
        return True
    sent = dict(scope["headers"]).get(b"authorization", b"").decode("latin-1")
    return hmac.compare_digest(sent.encode(), f"Bearer {token}".encode())


async def serve(scope: Scope, receive: Receive, send: Send) -> None:
    path = scope["path"]
    if scope["method"] not in ("GET", "HEAD"):
        return await _answer(send, 405, b'{"status": "method not allowed"}', b"application/json")
    if path == "/healthz":
        return await _answer(send, 200, b'{"status": "ok"}', b"application/json")
    if path == "/readyz":
        checks = await hop(_checks)()
        ready = all(value == "ok" for value in checks.values())
        body = json.dumps({"status": "ok" if ready else "unavailable", "checks": checks}).encode()
        return await _answer(send, 200 if ready else 503, body, b"application/json")
    if not _metrics_allowed(scope):
        return await _answer(send, 401, b'{"status": "send the metrics token"}', b"application/json")
    body = await hop(metrics.exposition)()
    await _answer(send, 200, body, metrics.CONTENT_TYPE.encode())


async def _answer(send: Send, status: int, body: bytes, content_type: bytes) -> None:
    headers = [(b"content-type", content_type), (b"cache-control", b"no-store")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
