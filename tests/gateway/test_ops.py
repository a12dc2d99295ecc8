"""/healthz, /readyz and /metrics, as a load balancer and Prometheus ask them."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from config.asgi import application
from gateway import health
from gateway.models import Deployment, Route
from tests.asgi_client import run_async
from tests.gateway.client import call, chat

pytestmark = pytest.mark.django_db(transaction=True)


def get(path: str, **headers: str) -> httpx.Response:
    async def run() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://t") as client:
            return await client.get(path, headers=headers)

    return run_async(run())


def test_healthz_answers_without_the_database(monkeypatch):
    from django.db import connection

    def down(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("healthz must not touch the database")

    monkeypatch.setattr(connection, "cursor", down)
    answer = get("/healthz")
    assert answer.status_code == 200 and answer.json() == {"status": "ok"}


def test_readyz_checks_the_database_and_the_redis_it_is_given(settings):
    ready = get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"] == {"database": "ok"}
    settings.GATEWAY_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    down = get("/readyz")
    assert down.status_code == 503 and down.json()["status"] == "unavailable"
    assert down.json()["checks"]["redis (gateway)"].startswith("unreachable")
    assert "127.0.0.1:1" not in down.text  # a URL may carry a password: never shown


def test_metrics_count_requests_failures_and_health(point_at, key, monkeypatch):
    from gateway import routes

    monkeypatch.setattr(routes, "_weighted_shuffle", lambda targets, rng: list(targets))
    route = Route.objects.create(name="metered")
    for name, model in (("east", "echo-1-fault-429"), ("north", "echo-1")):
        Deployment.objects.create(route=route, credential=point_at("openai_compatible", name=name), model=model)
    call(key, lambda c: chat(c, model="metered"))

    async def stream(client: Any) -> None:
        async for _chunk in await chat(client, model="metered", stream=True):
            pass

    call(key, stream)
    text = get("/metrics").text
    assert 'modeldesk_gateway_requests_total{endpoint="/v1/chat/completions",route="metered",status="200"}' in text
    failed = 'modeldesk_gateway_failed_attempts_total{deployment="east/echo-1-fault-429",error_type="rate_limited"'
    assert failed in text
    assert 'modeldesk_gateway_request_seconds_bucket{endpoint="/v1/chat/completions"' in text
    assert 'modeldesk_gateway_time_to_first_token_seconds_count{route="metered"}' in text
    assert 'modeldesk_gateway_deployment_cooling{deployment="east/echo-1-fault-429",route="metered"} 1.0' in text
    assert 'modeldesk_gateway_deployment_cooling{deployment="north/echo-1",route="metered"} 0.0' in text
    health.reset_memory()


def test_metrics_can_ask_for_a_token(settings):
    settings.METRICS_TOKEN = "scrape-me"
    assert get("/metrics").status_code == 401
    assert get("/metrics", Authorization="Bearer wrong").status_code == 401
    assert get("/metrics", Authorization="Bearer scrape-me").status_code == 200
