"""Routes: a public model name served by weighted, prioritised deployments, with fallback and cooldown, driven
through /v1 with the official ``openai`` SDK against the fake provider."""

from __future__ import annotations

import random
from typing import Any

import openai
import pytest

from calls import call_log
from calls.models import CallLog
from core.errors import BadRequest, RateLimited
from gateway import health, routes
from gateway.models import Deployment, Route
from tests.gateway.client import call, chat

pytestmark = pytest.mark.django_db(transaction=True)
HI = [{"role": "user", "content": "hi"}]


@pytest.fixture
def three(point_at) -> Route:
    """team-chat over three deployments of one priority: one answers 429, one 500, one is healthy."""
    route = Route.objects.create(name="team-chat", cooldown_seconds=30)
    for name, model in (("east", "echo-1-fault-429"), ("west", "echo-1-fault-500"), ("north", "echo-1")):
        Deployment.objects.create(route=route, credential=point_at("openai_compatible", name=name), model=model)
    return route


@pytest.fixture
def in_order(monkeypatch) -> None:
    """Deployments of a priority tried in the order they were made (the weighted draw is tested on its own)."""
    monkeypatch.setattr(routes, "_weighted_shuffle", lambda targets, rng: list(targets))


def attempts() -> list[tuple[str, str]]:
    call_log.flush()
    rows = CallLog.objects.order_by("id")
    assert all(row.api_key is not None for row in rows)  # every attempt, fallbacks too, is the key's
    return [(row.model, row.status) for row in rows]


def test_traffic_goes_to_the_healthy_deployment_within_one_request(three, key, in_order, monkeypatch):
    answer = call(key, lambda c: c.chat.completions.with_raw_response.create(model="team-chat", messages=HI))
    assert answer.headers["x-modeldesk-deployment"] == "north/echo-1"
    assert answer.headers["x-modeldesk-attempts"] == "3"
    assert answer.parse().model == "team-chat"
    assert attempts() == [("echo-1-fault-429", "error"), ("echo-1-fault-500", "error"), ("echo-1", "ok")]

    ids = {d.model: d.id for d in three.deployments.all()}
    cooling = health.store().cooling(list(ids.values()))
    assert {ids["echo-1-fault-429"], ids["echo-1-fault-500"]} == set(cooling)
    assert cooling[ids["echo-1-fault-429"]].reason == "rate_limited"
    assert 29 < cooling[ids["echo-1-fault-500"]].remaining <= 30

    CallLog.objects.all().delete()
    for _ in range(3):  # the two cooling down are left out: one attempt a request
        assert call(key, lambda c: chat(c, model="team-chat")).choices[0].message.content == "Echo: hi"
    assert attempts() == [("echo-1", "ok")] * 3

    later = health.now() + 31  # past the cooldown, both are tried again
    monkeypatch.setattr(health, "now", lambda: later)
    CallLog.objects.all().delete()
    call(key, lambda c: chat(c, model="team-chat"))
    assert [m for m, _ in attempts()] == ["echo-1-fault-429", "echo-1-fault-500", "echo-1"]


def test_a_stream_falls_back_before_its_first_token(three, key, in_order):
    async def stream(client: openai.AsyncOpenAI) -> str:
        chunks = await chat(client, model="team-chat", stream=True)
        return "".join([c.choices[0].delta.content or "" async for c in chunks if c.choices])

    assert call(key, stream) == "Echo: hi"
    assert [s for _, s in attempts()] == ["error", "error", "ok"]


def test_a_stream_never_falls_back_after_its_first_token(point_at, key, in_order):
    route = Route.objects.create(name="team-chat")
    for name, model in (("east", "echo-1-fault-midstream-error"), ("north", "echo-1")):
        Deployment.objects.create(route=route, credential=point_at("openai_compatible", name=name), model=model)

    async def stream(client: openai.AsyncOpenAI) -> Any:
        chunks = await chat(client, model="team-chat", stream=True)
        return [c async for c in chunks]

    with pytest.raises(openai.APIError):
        call(key, stream)
    assert [m for m, _ in attempts()] == ["echo-1-fault-midstream-error"]


def test_a_lower_priority_serves_only_while_the_first_is_cooling(point_at, key, monkeypatch):
    route = Route.objects.create(name="team-chat", cooldown_seconds=10)
    first = Deployment.objects.create(
        route=route, credential=point_at("openai_compatible", name="main"), model="echo-1"
    )
    Deployment.objects.create(
        route=route, credential=point_at("openai_compatible", name="spare"), model="echo-2", priority=2
    )
    for _ in range(3):
        call(key, lambda c: chat(c, model="team-chat"))
    assert [m for m, _ in attempts()] == ["echo-1"] * 3

    health.store().cool(first.id, 10, "rate_limited")
    CallLog.objects.all().delete()
    call(key, lambda c: chat(c, model="team-chat"))
    assert [m for m, _ in attempts()] == ["echo-2"]


def test_when_every_deployment_is_cooling_the_caller_is_told_when_to_come_back(three, key):
    for deployment in three.deployments.all():
        health.store().cool(deployment.id, 42, "rate_limited")
    with pytest.raises(openai.InternalServerError) as raised:
        call(key, lambda c: chat(c, model="team-chat"))
    assert raised.value.status_code == 503
    assert raised.value.body["code"] == "no_healthy_deployment"
    assert raised.value.response.headers["retry-after"] in ("41", "42")
    assert attempts() == []


def test_the_last_failure_is_the_answer_when_every_deployment_fails(point_at, key, in_order, settings):
    settings.PROVIDER_MAX_ATTEMPTS = 1
    route = Route.objects.create(name="team-chat")
    for name, model in (("east", "echo-1-fault-500"), ("west", "echo-1-fault-429")):
        Deployment.objects.create(route=route, credential=point_at("openai_compatible", name=name), model=model)
    with pytest.raises(openai.RateLimitError) as raised:
        call(key, lambda c: chat(c, model="team-chat"))
    assert raised.value.body["code"] == "rate_limited"
    assert len(attempts()) == 2


def test_a_request_at_fault_is_not_retried_elsewhere(point_at, key, in_order):
    route = Route.objects.create(name="team-chat")
    for name in ("east", "west"):
        Deployment.objects.create(route=route, credential=point_at("openai_compatible", name=name), model="echo-1")
    with pytest.raises(openai.BadRequestError):
        call(key, lambda c: chat(c, model="team-chat", messages=[{"role": "user", "content": "x"}], temperature=-5))
    assert len(attempts()) <= 1
    assert health.store().cooling([d.id for d in route.deployments.all()]) == {}


def test_a_deployment_its_owner_may_not_use_is_passed_over(point_at, key, in_order):
    from access.models import Grant

    route = Route.objects.create(name="team-chat")
    private = point_at("openai_compatible", name="private")
    Grant.objects.filter(credential=private).delete()
    Deployment.objects.create(route=route, credential=private, model="echo-1")
    Deployment.objects.create(route=route, credential=point_at("openai_compatible", name="open"), model="echo-2")
    assert call(key, lambda c: chat(c, model="team-chat")).model == "team-chat"
    assert [(m, s) for m, s in attempts() if s == "ok"] == [("echo-2", "ok")]


def test_a_credential_and_model_is_a_route_of_one_that_never_cools(llm, key, settings):
    settings.PROVIDER_MAX_ATTEMPTS = 1
    for _ in range(2):  # both reach the provider: there is nothing to fall back to
        with pytest.raises(openai.RateLimitError):
            call(key, lambda c: chat(c, model="team/echo-1-fault-429"))
    assert len(attempts()) == 2


def test_a_longer_retry_after_than_the_cooldown_wins():
    route = routes.RouteView("r", 30, (routes.Target(1, "a", "m"), routes.Target(2, "b", "m")))
    routes.cool(route, route.targets[0], RateLimited("slow down", status=429, retry_after=120))
    routes.cool(route, route.targets[1], BadRequest("bad", status=400))
    cooling = health.store().cooling([1, 2])
    assert list(cooling) == [1] and 119 < cooling[1].remaining <= 120


def test_weights_share_the_traffic_of_a_priority():
    targets = (
        routes.Target(1, "a", "m", weight=3),
        routes.Target(2, "b", "m", weight=1),
        routes.Target(3, "c", "m", 5, 2),
    )
    route, rng = routes.RouteView("r", 30, targets), random.Random(7)
    firsts = [routes.order(route, {}, rng)[0].id for _ in range(4000)]
    assert 0.72 < firsts.count(1) / len(firsts) < 0.78
    assert 3 not in firsts  # the second priority is never first while the first has a healthy deployment
    assert [t.id for t in routes.order(route, {1: health.Cooling(health.now() + 5, "x")}, rng)] == [2, 3]


def test_a_change_to_a_route_is_seen_on_the_next_request(three, key, in_order):
    call(key, lambda c: chat(c, model="team-chat"))
    Route.objects.filter(pk=three.pk).update(enabled=False)  # a bulk update: no signal
    Route.objects.get(pk=three.pk).save()  # the admin's save: the signal raises the version
    with pytest.raises(openai.NotFoundError):
        call(key, lambda c: chat(c, model="team-chat"))


def test_a_keys_allow_list_names_routes(three, owner, in_order):
    from gateway.keys import api_key_create

    narrow = api_key_create(owner=owner, name="narrow", models=["team-chat"])[1]
    listed = call(narrow, lambda c: c.models.list()).data
    assert [(m.id, m.owned_by) for m in listed] == [("team-chat", "modeldesk")]
    assert call(narrow, lambda c: chat(c, model="team-chat")).choices[0].message.content == "Echo: hi"
    with pytest.raises(openai.PermissionDeniedError):  # a deployment of the route, named directly
        call(narrow, lambda c: chat(c, model="north/echo-1"))


def test_the_admin_shows_each_deployments_health(admin_client, three):
    cooled = three.deployments.get(model="echo-1-fault-429")
    health.store().cool(cooled.id, 60, "rate_limited")
    listing = admin_client.get("/admin/gateway/route/").content.decode()
    assert "team-chat" in listing and "2 of 3 serving" in listing
    page = admin_client.get(f"/admin/gateway/route/{three.pk}/change/").content.decode()
    assert page.count("Cooling down") == 1 and "Rate limited" in page and page.count(">Serving<") == 2
    chinese = admin_client.get(f"/admin/gateway/route/{three.pk}/change/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "冷却中" in chinese.content.decode()


def test_an_admin_can_end_a_cooldown(admin_client, three):
    cooled = three.deployments.get(model="echo-1-fault-429")
    health.store().cool(cooled.id, 60, "rate_limited")
    form = {"action": "end_cooldowns", "_selected_action": [three.pk]}
    page = admin_client.post("/admin/gateway/route/", form, follow=True).content.decode()
    assert "1 deployment is back in service" in page
    assert health.store().cooling([cooled.id]) == {}


def test_without_its_redis_the_gateway_serves_on_without_shared_state(three, key, in_order, settings, caplog):
    settings.GATEWAY_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    for _ in range(2):  # the failing deployments are tried each time: no cooldown can be kept
        assert call(key, lambda c: chat(c, model="team-chat")).choices[0].message.content == "Echo: hi"
    assert [m for m, _ in attempts()] == ["echo-1-fault-429", "echo-1-fault-500", "echo-1"] * 2
    assert "Redis does not answer" in caplog.text


def test_a_deployments_credential_disabled_or_renamed_is_seen_on_the_next_request(three, key, in_order):
    from credentials.models import Credential

    call(key, lambda c: chat(c, model="team-chat"))
    north = Credential.objects.get(name="north")
    north.name = "north-renamed"
    north.save()
    assert call(key, lambda c: chat(c, model="team-chat")).choices[0].message.content == "Echo: hi"
    north.enabled = False
    north.save()
    with pytest.raises(openai.APIError):  # only the failing two are left
        call(key, lambda c: chat(c, model="team-chat"))


def test_a_deployment_that_cannot_serve_the_operation_is_passed_over(point_at, key, in_order):
    route = Route.objects.create(name="embedder")
    Deployment.objects.create(route=route, credential=point_at("anthropic", "", name="claude"), model="echo-1")
    Deployment.objects.create(route=route, credential=point_at("openai_compatible", name="open"), model="embed-1")
    answer = call(key, lambda c: c.embeddings.create(model="embedder", input=["a"], encoding_format="float"))
    assert len(answer.data) == 1
