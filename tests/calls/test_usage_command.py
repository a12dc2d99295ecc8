"""``manage.py usage``: the dashboard's figures as a table or JSON; bad input is a one-line error."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from calls.models import CallLog
from calls.usage_rollup import floor_hour, usage_rollup

from .usage_data import log, raw_totals, spread


def run(*args: str) -> str:
    out = StringIO()
    call_command("usage", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_the_table_has_a_row_per_user_and_a_total(world: dict[str, Any]) -> None:
    spread(world)
    usage_rollup()
    out = run("--since", "7d")
    lines = out.splitlines()
    assert lines[0].startswith("Usage from ") and "by user" in lines[0]
    assert lines[1].split()[:3] == ["USER", "CALLS", "ERRORS"] and "COST USD" in lines[1] and "COST CNY" in lines[1]
    assert {line.split()[0] for line in lines[2:-1]} == {"alice", "bob"}
    assert lines[-1].split()[:2] == ["TOTAL", str(CallLog.objects.count())]


def test_json_has_the_same_figures_as_the_log(world: dict[str, Any]) -> None:
    spread(world)
    usage_rollup()
    log(0, user=world["bob"], credential=world["openai"], model="now")
    report = json.loads(run("--since", "10d", "--by", "model", "--json"))
    expected = raw_totals(CallLog.objects.all())
    assert report["total"]["calls"] == expected["calls"]
    assert {currency: Decimal(amount) for currency, amount in report["total"]["cost"].items()} == expected["cost"]
    assert {row["label"] for row in report["rows"]} == set(CallLog.objects.values_list("model", flat=True))
    assert report["by"] == "model" and set(report["currencies"]) == {"USD", "CNY"}


@pytest.mark.parametrize(
    "args",
    [
        ("--user", "alice"),
        ("--group", "research"),
        ("--credential", "deepseek-main"),
        ("--provider", "openai"),
        ("--model", "gpt-1"),
    ],
)
def test_filters_narrow_the_calls(world: dict[str, Any], args: tuple[str, str]) -> None:
    spread(world)
    usage_rollup()
    total = json.loads(run("--since", "10d", "--json", *args))["total"]["calls"]
    assert 0 < total < CallLog.objects.count()


def test_a_span_back_from_now_counts_from_the_start_of_its_hour(world: dict[str, Any]) -> None:
    spread(world)
    usage_rollup()
    since = floor_hour(timezone.now() - timedelta(hours=36))
    total = json.loads(run("--since", "36h", "--json"))["total"]["calls"]
    assert total == CallLog.objects.filter(created_at__gte=since).count()


def test_by_hour_and_by_day(world: dict[str, Any]) -> None:
    spread(world)
    usage_rollup()
    hours = json.loads(run("--since", "48h", "--by", "hour", "--json"))
    days = json.loads(run("--since", "10d", "--by", "day", "--json"))
    assert all(len(row["label"]) == 16 for row in hours["rows"]) and all(len(r["label"]) == 10 for r in days["rows"])
    assert sum(row["calls"] for row in days["rows"]) == days["total"]["calls"] == CallLog.objects.count()


@pytest.mark.parametrize(
    "args, message",
    [
        (("--since", "last week"), "neither a date"),
        (("--since", "2026-13-01"), "neither a date"),
        (("--since", "1d", "--until", "3d"), "is not before --until"),
        (("--since", "30d", "--by", "hour"), "at most 7 days"),
        (("--user", "ghost"), "Unknown user: ghost."),
        (("--credential", "ghost"), "Unknown credential: ghost."),
    ],
)
def test_bad_input_is_a_one_line_error(world: dict[str, Any], args: tuple[str, ...], message: str) -> None:
    with pytest.raises(CommandError, match=message) as raised:
        run(*args)
    assert "\n" not in str(raised.value)


def test_an_unknown_dimension_is_refused_by_the_parser(db: None) -> None:
    with pytest.raises(CommandError, match="invalid choice"):
        run("--by", "colour")
