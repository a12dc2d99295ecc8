"""``manage.py usage``: the usage dashboard's figures in a terminal, as a table or JSON."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from calls.usage_report import DIMENSIONS, MAX_HOURLY_SPAN, UsageFigures, UsageFilters, UsageReport, usage_report
from calls.usage_rollup import next_day, usage_timezone
from credentials.models import Credential
from providers.models import Provider

RELATIVE = re.compile(r"^(\d+)([dh])$")


class Command(BaseCommand):
    help = (
        "Print calls, errors, tokens, cost per currency and latency percentiles over a period, grouped by one "
        "dimension, with a total: the usage dashboard's figures."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", default="30d", help="A date (2026-11-01) or a span back from now: 7d, 24h.")
        parser.add_argument("--until", default="", help="A date (included) or a span back from now (default: now).")
        parser.add_argument("--by", default="user", choices=list(DIMENSIONS), help="What each row is (default: user).")
        parser.add_argument("--user", default="", help="Only this user's calls (a username).")
        parser.add_argument("--group", default="", help="Only the calls of this group's users.")
        parser.add_argument("--credential", default="", help="Only the calls through this credential (its name).")
        parser.add_argument("--provider", default="", help="Only this provider's calls (its slug).")
        parser.add_argument("--model", default="", help="Only the calls of this model.")
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        since = moment(options["since"], now, end=False)
        until = moment(options["until"], now, end=True) if options["until"] else now
        if since >= until:
            raise CommandError(f"--since ({options['since']}) is not before --until ({options['until'] or 'now'}).")
        if options["by"] == "hour" and until - since > MAX_HOURLY_SPAN:
            raise CommandError("--by hour covers at most 7 days; give a later --since.")
        filters = UsageFilters(since=since, until=until, model=options["model"], **_narrowing(options))
        step = "hour" if options["by"] == "hour" else "day"
        report = usage_report(filters=filters, by=options["by"], step=step)
        self.stdout.write(json.dumps(as_json(report), ensure_ascii=False) if options["json"] else as_table(report))


def moment(text: str, now: datetime, *, end: bool) -> datetime:
    """ "7d" and "24h" count back from now; a date is its midnight (an ``end`` date: the next one, included)."""
    relative = RELATIVE.match(text.strip())
    if relative:
        amount, unit = int(relative[1]), relative[2]
        return now - (timedelta(days=amount) if unit == "d" else timedelta(hours=amount))
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(f"{text!r} is neither a date (2026-11-01) nor a span like 7d or 24h.") from None
    midnight = datetime(day.year, day.month, day.day, tzinfo=usage_timezone())
    return next_day(midnight) if end else midnight


def _narrowing(options: dict[str, Any]) -> dict[str, Any]:
    """The ids of the named user, group, credential and provider; an unknown name is an error."""
    lookups = {
        "user": (get_user_model().objects.all(), get_user_model().USERNAME_FIELD),
        "group": (Group.objects.all(), "name"),
        "credential": (Credential.objects.all(), "name"),
        "provider": (Provider.objects.all(), "slug"),
    }
    found = {}
    for option, (rows, field) in lookups.items():
        if options[option]:
            pk = rows.filter(**{field: options[option]}).values_list("pk", flat=True).first()
            if pk is None:
                raise CommandError(f"Unknown {option}: {options[option]}.")
            found[option] = pk
    return found


def _figures(figures: UsageFigures) -> dict[str, Any]:
    return {
        "calls": figures.calls,
        "errors": figures.errors,
        "tokens_in": figures.tokens_in,
        "tokens_out": figures.tokens_out,
        "cost": {currency: f"{amount:.8f}" for currency, amount in figures.cost},
        "latency_p50_ms": figures.latency_p50,
        "latency_p95_ms": figures.latency_p95,
        "ttft_p50_ms": figures.ttft_p50,
        "ttft_p95_ms": figures.ttft_p95,
    }


def as_json(report: UsageReport) -> dict[str, Any]:
    return {
        "since": report.filters.since.isoformat(),
        "until": report.filters.until.isoformat(),
        "by": report.by,
        "currencies": report.currencies,
        "rows": [{"key": row.key, "label": row.label, **_figures(row.figures)} for row in report.rows],
        "total": _figures(report.total),
    }


def as_table(report: UsageReport) -> str:
    """Aligned columns, a cost column per currency, the total last."""
    header = [report.by.upper(), "CALLS", "ERRORS", "TOKENS IN", "TOKENS OUT"]
    header += [f"COST {currency}" for currency in report.currencies]
    header += ["LATENCY P50/P95 MS", "TTFT P50/P95 MS"]
    lines = [header]
    for label, figures in [*((row.label, row.figures) for row in report.rows), ("TOTAL", report.total)]:
        lines.append(
            [
                label,
                str(figures.calls),
                str(figures.errors),
                str(figures.tokens_in),
                str(figures.tokens_out),
                *(f"{figures.cost_in(currency):.4f}" for currency in report.currencies),
                _pair(figures.latency_p50, figures.latency_p95),
                _pair(figures.ttft_p50, figures.ttft_p95),
            ]
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text = [
        "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(line, widths, strict=True))
        )
        for line in lines
    ]
    since = report.filters.since.astimezone(usage_timezone()).strftime("%Y-%m-%d %H:%M")
    until = report.filters.until.astimezone(usage_timezone()).strftime("%Y-%m-%d %H:%M")
    return "\n".join([f"Usage from {since} to {until} ({usage_timezone()}), by {report.by}:", *text])


def _pair(first: int | None, second: int | None) -> str:
    return f"{'-' if first is None else first}/{'-' if second is None else second}"
