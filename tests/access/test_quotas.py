"""Quotas and budgets: refused before the call is sent, saying which limit, its use and when it resets; exact
under concurrency (issue 13)."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import close_old_connections, connection
from django.utils import translation

from access.models import Grant, Metric, Quota, QuotaCounter, Window
from access.selectors import QuotaRule
from access.services import limit_message
from calls import call_log, services
from calls.models import CallLog
from core.errors import LimitReached
from wire.types import Message

RUN = "/playground/api/run/"


def run(client, credential, model="echo-1"):
    body = {"credential": str(credential.pk), "model_name": model, "message": "hi"}
    return client.post(RUN, json.dumps(body), content_type="application/json")


def chat(credential, user, model="echo-1"):
    return services.chat(messages=[Message("user", "hi")], credential=credential, model=model, user=user)


def rule(**values) -> QuotaRule:
    base = dict(
        pk=1,
        metric="cost",
        window="day",
        limit=Decimal(20),
        currency="CNY",
        warn_percent=80,
        own_counter=True,
        trial=False,
        subject_kind="user",
        subject_name="alice",
        credential_name="team",
        models=None,
    )
    return QuotaRule(**{**base, **values})


def test_a_budget_message_says_which_limit_its_use_and_when_it_resets(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    end = datetime(2026, 12, 2, 16, 0, tzinfo=UTC)  # midnight in Shanghai
    message = limit_message(rule(), Decimal("20.13"), end)
    assert message == "Your daily budget of ¥20.00 is used up (¥20.13); it resets at 00:00 Asia/Shanghai."
    monthly = limit_message(
        rule(
            metric="calls",
            window="month",
            limit=Decimal(100),
            own_counter=False,
            subject_kind="group",
            subject_name="ops",
        ),
        Decimal(100),
        end,
    )
    assert (
        monthly
        == "Group “ops”'s monthly limit of 100 calls is used up (100); it resets on 2026-12-03 at 00:00 Asia/Shanghai."
    )
    with translation.override("zh-hans"):
        chinese = limit_message(rule(), Decimal("20.13"), end)
    assert chinese == "你的每日预算 ¥20.00 已用完（已用 ¥20.13）；将于 Asia/Shanghai 时间 00:00 重置。"


def test_n_calls_pass_and_the_next_is_refused_before_it_is_sent(llm, player, player_client, fake_provider):
    Grant.objects.create(user=player, credential=llm)
    Quota.objects.create(user=player, metric=Metric.CALLS, window=Window.DAY, limit=2)
    assert run(player_client, llm).status_code == 200
    assert run(player_client, llm).status_code == 200
    before = len(fake_provider.requests) if hasattr(fake_provider, "requests") else None
    refused = run(player_client, llm)
    assert refused.status_code == 429, refused.content
    error = refused.json()["error"]
    assert error["type"] == "limit_reached"
    assert error["message"].startswith("Your daily limit of 2 calls is used up (2); it resets at 00:00 ")
    assert error["limit"] == "2 calls" and error["used"] == "2" and error["resets_at"]
    if before is not None:
        assert len(fake_provider.requests) == before
    # The service layer refuses too (a caller that did not check first), and logs the refusal.
    with pytest.raises(LimitReached):
        chat(llm, player)
    call_log.flush()
    assert CallLog.objects.filter(error_type="limit_reached").count() == 1
    assert QuotaCounter.objects.get().used == 2


def test_a_token_quota_counts_what_calls_used_and_refuses_once_it_is_reached(llm, player):
    Grant.objects.create(user=player, credential=llm)
    quota = Quota.objects.create(user=player, metric=Metric.TOKENS, window=Window.MONTH, limit=1)
    outcome = chat(llm, player)
    used = (outcome.info.usage.input_tokens or 0) + (outcome.info.usage.output_tokens or 0)
    assert used > 1
    assert QuotaCounter.objects.get(quota=quota).used == used
    assert outcome.info.warnings == (f"Used {used} of 1 tokens ({used * 100}%); it resets on 2027-01-01 at 00:00 UTC.",)
    with pytest.raises(LimitReached, match="monthly limit of 1 tokens is used up"):
        chat(llm, player)


def test_a_group_shares_a_limit_unless_it_is_each_members_own(llm, team, make_player):
    alice, bob = make_player("alice"), make_player("bob")
    for user in (alice, bob):
        user.groups.add(team)
    Grant.objects.create(group=team, credential=llm)
    shared = Quota.objects.create(group=team, metric=Metric.CALLS, window=Window.TOTAL, limit=1)
    chat(llm, alice)
    with pytest.raises(LimitReached, match="Group “team”'s limit of 1 calls is used up"):
        chat(llm, bob)
    shared.per_user = True
    shared.save()
    chat(llm, bob)  # each has a counter of their own now
    chat(llm, alice)
    with pytest.raises(LimitReached, match=r"^Your limit of 1 calls is used up"):
        chat(llm, alice)


def test_a_credential_budget_counts_every_caller(llm, make_player):
    """A credential's quota counts calls with no user too (a command's)."""
    Quota.objects.create(credential=llm, metric=Metric.CALLS, window=Window.DAY, limit=1)
    chat(llm, None)
    with pytest.raises(LimitReached, match="The credential “fake-openai_compatible”'s daily limit"):
        chat(llm, None)


def test_a_call_refused_by_a_second_quota_takes_nothing_from_the_first(llm, player):
    Grant.objects.create(user=player, credential=llm)
    roomy = Quota.objects.create(user=player, metric=Metric.CALLS, window=Window.DAY, limit=10)
    Quota.objects.create(credential=llm, metric=Metric.CALLS, window=Window.DAY, limit=0)
    with pytest.raises(LimitReached):
        chat(llm, player)
    assert not QuotaCounter.objects.filter(quota=roomy).exists() or QuotaCounter.objects.get(quota=roomy).used == 0


def test_a_disabled_quota_is_not_enforced(llm, player):
    Grant.objects.create(user=player, credential=llm)
    Quota.objects.create(user=player, metric=Metric.CALLS, window=Window.DAY, limit=0, enabled=False)
    assert chat(llm, player).content


@pytest.mark.django_db(transaction=True)
def test_32_concurrent_callers_against_a_limit_of_100_calls_exactly_100_succeed(llm, player):
    """Each thread has its own database connection: on SQLite the writers queue, on PostgreSQL row locks."""
    Grant.objects.create(user=player, credential=llm)
    Quota.objects.create(user=player, metric=Metric.CALLS, window=Window.DAY, limit=100)
    outcomes: list[str] = []
    lock = threading.Lock()
    todo = iter(range(160))

    def caller() -> None:
        try:
            for _ in todo:
                try:
                    chat(llm, player)
                    result = "ok"
                except LimitReached:
                    result = "refused"
                with lock:
                    outcomes.append(result)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=caller) for _ in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert len(outcomes) == 160
    assert outcomes.count("ok") == 100 and outcomes.count("refused") == 60
    assert QuotaCounter.objects.get().used == 100


def test_set_quota_command(llm, player, team, capsys):
    call_command("set_quota", "--user", player.username, "--calls", "100", "--per", "day")
    assert "Set user player's quota: 100 calls day." in capsys.readouterr().out
    call_command("set_quota", "--user", player.username, "--calls", "50", "--per", "day")
    assert "Changed" in capsys.readouterr().out and Quota.objects.get().limit == 50
    call_command("set_quota", "--group", team.name, "--cost", "20", "--currency", "cny", "--per", "month")
    assert Quota.objects.get(group=team).currency == "CNY"
    call_command("set_quota", "--everyone", "--credential", llm.name, "--calls", "200", "--per", "total", "--trial")
    assert Quota.objects.get(trial=True).credential == llm
    for args, reason in [
        (["--user", player.username, "--calls", "many", "--per", "day"], "--calls must be a number"),
        (["--user", player.username, "--cost", "5", "--per", "day"], "needs the currency"),
        (["--user", player.username, "--calls", "1.5", "--per", "day"], "whole number"),
        (["--user", player.username, "--calls", "5", "--per", "day", "--trial"], "every signed-in user"),
        (["--everyone", "--calls", "5", "--per", "day", "--model", "x"], "--model needs --credential"),
    ]:
        with pytest.raises(CommandError, match=reason):
            call_command("set_quota", *args)


def test_an_unreachable_redis_refuses_the_call_with_a_typed_error_not_a_500(llm, player, player_client, settings):
    from access.counters import _redis

    Grant.objects.create(user=player, credential=llm)
    Quota.objects.create(user=player, metric=Metric.CALLS, window=Window.DAY, limit=5)
    settings.QUOTA_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    _redis.cache_clear()
    try:
        response = run(player_client, llm)
        assert response.status_code == 502
        assert "cannot check this call's quotas" in response.json()["error"]["message"]
    finally:
        _redis.cache_clear()
