"""The usage dashboard: roll-ups that add up to the call log exactly, filters, the admin page, CSV, Chinese."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.db.models import Q, Sum
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from calls.models import CallLog, CallUsageDay, CallUsageHour
from calls.usage_report import UsageFilters, percentile, usage_report
from calls.usage_rollup import SUMMED, floor_hour, usage_rollup
from providers.models import Provider

from .usage_data import log, raw_totals, spread

URL = "/admin/calls/usage/"


def report_totals(**filters: Any) -> dict[str, Any]:
    now = timezone.now()
    report = usage_report(
        filters=UsageFilters(since=now - timedelta(days=10), until=now + timedelta(hours=1), **filters)
    )
    total = report.total
    return {
        "calls": total.calls,
        "errors": total.errors,
        "tin": total.tokens_in,
        "tout": total.tokens_out,
        "cost": {currency: amount for currency, amount in total.cost},
    }


def test_the_rollup_adds_up_to_the_raw_rows_exactly(world):
    spread(world)
    result = usage_rollup()
    assert result.hour_rows and result.day_rows
    rolled = CallLog.objects.filter(created_at__lt=result.end)
    hours = CallUsageHour.objects.aggregate(calls=Sum("calls"), errors=Sum("errors"), tin=Sum("tokens_in"))
    assert (hours["calls"], hours["errors"], hours["tin"]) == (
        rolled.count(),
        rolled.filter(status="error").count(),
        rolled.aggregate(t=Sum("tokens_in"))["t"],
    )
    per_currency = dict(CallUsageHour.objects.exclude(currency="").values_list("currency").annotate(Sum("cost")))
    assert per_currency == raw_totals(rolled)["cost"]
    # Each complete day is the sum of its hours, histograms included.
    complete = CallUsageHour.objects.filter(
        start__lt=CallUsageDay.objects.order_by("-start").first().start + timedelta(days=1)
    )
    assert CallUsageDay.objects.aggregate(**{n: Sum(n) for n in SUMMED}) == complete.aggregate(
        **{n: Sum(n) for n in SUMMED}
    )


def test_rolling_again_replaces_an_hour_instead_of_adding_to_it(world):
    spread(world)
    usage_rollup()
    first = sorted(CallUsageHour.objects.values_list("start", "model", "currency", "calls", "cost"))
    usage_rollup()
    usage_rollup(since=timezone.now() - timedelta(days=5))
    assert sorted(CallUsageHour.objects.values_list("start", "model", "currency", "calls", "cost")) == first
    # A call that lands in an already rolled hour is counted once that hour is rolled again.
    log(30, user=world["bob"], credential=world["openai"], model="late")
    usage_rollup(since=timezone.now() - timedelta(hours=31))
    assert CallUsageHour.objects.filter(model="late").get().calls == 1


def test_the_report_counts_the_hour_not_rolled_yet_from_the_log(world):
    spread(world)
    usage_rollup()
    log(0, user=world["alice"], credential=world["openai"], model="just-now")
    assert report_totals() == raw_totals(CallLog.objects.all())
    assert report_totals(model="just-now")["calls"] == 1


def test_the_report_is_the_same_before_and_after_the_rollup(world):
    spread(world)
    before = report_totals()
    usage_rollup()
    assert report_totals() == before == raw_totals(CallLog.objects.all())


@pytest.mark.parametrize("name", ["user", "group", "credential", "provider", "model"])
def test_each_filter_counts_only_its_calls(world, name):
    spread(world)
    usage_rollup()
    wanted = {
        "user": (world["alice"].pk, Q(user=world["alice"])),
        "group": (world["research"].pk, Q(user__groups=world["research"])),
        "credential": (world["deepseek"].pk, Q(credential=world["deepseek"])),
        "provider": (Provider.objects.get(slug="openai").pk, Q(provider__slug="openai")),
        "model": ("gpt-1", Q(model="gpt-1")),
    }
    value, matching = wanted[name]
    expected = raw_totals(CallLog.objects.filter(matching))
    assert 0 < expected["calls"] < CallLog.objects.count()
    assert report_totals(**{name: value}) == expected


def test_the_period_and_the_grouping(world):
    spread(world)
    usage_rollup()
    now = timezone.now()
    since, until = now - timedelta(hours=30), now - timedelta(hours=6)
    # Hour-aligned periods: the rolled sources answer whole hours.
    filters = UsageFilters(since=floor_hour(since), until=floor_hour(until))
    expected = CallLog.objects.filter(created_at__gte=floor_hour(since), created_at__lt=floor_hour(until)).count()
    report = usage_report(filters=filters, by="model", step="hour")
    assert report.total.calls == expected == sum(row.figures.calls for row in report.rows)
    assert len(report.series) == 24
    by_user = usage_report(filters=filters, by="user")
    assert {row.label for row in by_user.rows} <= {"alice", "bob"}


def test_percentiles_are_read_from_the_buckets():
    # 100 calls: 50 under 50 ms, 45 in [500, 700), 5 in [5000, 7000).
    counts = [50] + [0] * 5 + [45] + [0] * 5 + [5] + [0] * 7
    assert percentile(counts, 0.5) == 50
    assert 500 <= percentile(counts, 0.95) <= 700
    assert percentile([0] * 20, 0.5) is None


def test_the_page_needs_the_right_to_view_call_logs(world, django_user_model):
    assert Client().get(URL).status_code == 302
    staff = django_user_model.objects.create_user(username="staff", is_staff=True)
    client = Client()
    client.force_login(staff)
    assert client.get(URL).status_code == 403
    staff.user_permissions.add(Permission.objects.get(codename="view_calllog"))
    assert client.get(URL).status_code == 200


def test_the_page_runs_the_same_number_of_queries_whatever_the_data(world, admin_client):
    def queries(**filters: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(URL, filters).status_code == 200
        return len(captured)

    spread(world, 8)
    usage_rollup()
    small = [queries(), queries(by="model"), queries(step="hour", by="hour")]
    spread(world, 80)
    usage_rollup()
    log(0, user=world["bob"], credential=world["deepseek"], model="now")
    assert [queries(), queries(by="model"), queries(step="hour", by="hour")] == small


def test_the_page_shows_totals_charts_and_links(world, admin_client, canary):
    spread(world)
    usage_rollup()
    page = admin_client.get(URL, {"by": "model"}).content.decode()
    assert canary not in page
    assert "gpt-0" in page and "deepseek-chat" in page
    assert page.count("<svg") >= 3 and "Calls over time" in page and "Cost by model (USD)" in page
    assert " style=" not in page.split('id="content-main"')[1]
    assert 'href="/admin/calls/usage/"' in admin_client.get("/admin/").content.decode()
    assert 'href="/admin/calls/usage/"' in admin_client.get("/admin/calls/calllog/").content.decode()


def test_the_csv_export_is_the_table(world, admin_client, canary):
    spread(world)
    usage_rollup()
    response = admin_client.get(URL, {"by": "user", "export": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode()
    assert canary not in body
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [row["user"] for row in rows][-1] == "total"
    assert {row["user"] for row in rows[:-1]} == {"alice", "bob"}
    total = raw_totals(CallLog.objects.all())
    assert int(rows[-1]["calls"]) == total["calls"] == sum(int(row["calls"]) for row in rows[:-1])
    assert Decimal(rows[-1]["cost_USD"]) == total["cost"]["USD"].quantize(Decimal("0.000001"))
    assert Decimal(rows[-1]["cost_CNY"]) == total["cost"]["CNY"].quantize(Decimal("0.000001"))


def test_a_spreadsheet_formula_in_a_name_is_quoted(world, admin_client, django_user_model):
    log(1, user=django_user_model.objects.create_user(username="=cmd"), credential=world["openai"])
    body = admin_client.get(URL, {"by": "user", "export": "csv"}).content.decode()
    assert "'=cmd" in body


def test_the_page_speaks_chinese(world, admin_client):
    spread(world)
    page = admin_client.get(URL, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    for label in ("用量", "调用次数", "按用户", "导出 CSV", "最近 30 天", "各模型费用（USD）"):
        assert label in page, label
    assert "Calls over time" not in page


def test_bad_dates_are_a_form_error_not_a_crash(world, admin_client):
    page = admin_client.get(URL, {"since": "2026-05-02", "until": "2026-05-01"}).content.decode()
    assert "The start date is after the end date." in page
    page = admin_client.get(URL, {"since": "2026-05-01", "until": "2026-05-20", "step": "hour"}).content.decode()
    assert "at most 7 days" in page
    assert admin_client.get(URL, {"since": "yesterday"}).status_code == 200


def test_the_beat_task_rolls_up(world):
    from calls.tasks import usage_rollup_task

    spread(world)
    result = usage_rollup_task.delay().get()
    assert result["hour_rows"] == CallUsageHour.objects.count() > 0
    assert result["day_rows"] == CallUsageDay.objects.count() > 0


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "America/New_York", "Asia/Kolkata"])
def test_days_follow_the_time_zone_and_still_add_up(world, settings, zone):
    """Day rows start at TIME_ZONE's midnight (in India they sum the UTC hours from 00:30 local on), and the
    report adds up to the log whichever sources answer."""
    settings.TIME_ZONE = zone
    spread(world)
    usage_rollup()
    starts = {
        timezone.localtime(start).strftime("%H:%M") for start in CallUsageDay.objects.values_list("start", flat=True)
    }
    assert starts == {"00:00"}
    assert report_totals() == raw_totals(CallLog.objects.all())
    days = usage_report(
        filters=UsageFilters(since=timezone.now() - timedelta(days=10), until=timezone.now() + timedelta(hours=1)),
        by="day",
    )
    assert sum(row.figures.calls for row in days.rows) == CallLog.objects.count()
