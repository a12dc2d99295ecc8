"""A key's requests and tokens a minute, in this process's memory (the embedded default; the Redis store is
driven by ``test_processes``)."""

from __future__ import annotations

import openai
import pytest

from gateway import health
from gateway.keys import api_key_create
from tests.gateway.client import call, chat
from tests.redis_service import REDIS_URL, redis_or_skip

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_rpm_limit_refuses_past_it_until_the_minute_has_passed(llm, owner, monkeypatch):
    key = api_key_create(owner=owner, name="slow", rpm_limit=2)[1]
    for _ in range(2):
        call(key, chat)
    with pytest.raises(openai.RateLimitError) as raised:
        call(key, chat)
    assert raised.value.body["code"] == "requests_per_minute"
    assert 58 <= int(raised.value.response.headers["retry-after"]) <= 60
    later = health.now() + 61
    monkeypatch.setattr(health, "now", lambda: later)
    assert call(key, chat).choices[0].message.content == "Echo: hi"


def test_a_tpm_limit_counts_the_tokens_of_the_replies(llm, owner):
    key = api_key_create(owner=owner, name="thrifty", tpm_limit=3)[1]
    first = call(key, chat)
    assert first.usage.total_tokens >= 3  # one reply uses the minute's tokens up
    with pytest.raises(openai.RateLimitError) as raised:
        call(key, chat)
    assert raised.value.body["code"] == "tokens_per_minute"
    other = api_key_create(owner=owner, name="other", tpm_limit=3)[1]  # each key has its own window
    assert call(other, chat).choices[0].message.content == "Echo: hi"


@pytest.mark.parametrize("kind", ["memory", "redis"])
def test_a_window_says_how_long_until_it_has_room(kind, monkeypatch):
    if kind == "redis":
        redis_or_skip()
        store: health.Store = health.RedisStore(REDIS_URL, f"test-window-{id(kind)}-{health.now()}:")
    else:
        store = health.MemoryStore()
    start = health.now()
    clock = [start]
    monkeypatch.setattr(health, "now", lambda: clock[0])
    assert store.take("w", 3) is None
    clock[0] = start + 20
    assert store.take("w", 3) is None and store.take("w", 3) is None
    wait = store.take("w", 3)
    assert wait is not None and 39 <= wait <= 40  # the first leaves the window at start + 60
    store.add("w", 0)
    clock[0] = start + 61
    assert store.take("w", 3) is None  # one left, one taken: three again
    assert store.take("w", 3) is not None


def test_the_usage_dashboard_filters_and_groups_by_key(llm, owner, admin_client):
    from calls import call_log
    from calls.models import CallLog
    from gateway.models import ApiKey

    ci = api_key_create(owner=owner, name="ci-runner")[1]
    app = api_key_create(owner=owner, name="web-app")[1]
    for key, times in ((ci, 1), (app, 2)):
        for _ in range(times):
            call(key, chat)
    call_log.flush()
    ids = dict(ApiKey.objects.values_list("name", "pk"))
    recorded = sorted(CallLog.objects.values_list("api_key", flat=True))
    assert recorded == sorted([ids["ci-runner"], ids["web-app"], ids["web-app"]])

    grouped = admin_client.get("/admin/calls/usage/", {"by": "api_key"}).content.decode()
    assert "ci-runner (md-" in grouped and "web-app (md-" in grouped
    page = admin_client.get("/admin/calls/usage/", {"by": "api_key", "api_key": ids["web-app"]})
    assert page.status_code == 200
    assert page.context["report"].total.calls == 2
    assert admin_client.get("/admin/calls/usage/", {"api_key": "nonsense"}).status_code == 200  # a form error
