"""Reads for the usage dashboard and ``manage.py usage``: calls, errors, tokens, cost per currency and latency
percentiles over a period, grouped by one dimension, with the series over time and the cost per model.

A period is read from three sources that do not overlap: CallUsageDay for the days rolled up, CallUsageHour for
the rolled hours after them, and CallLog for the hours not rolled yet (``usage_rollup.rolled_until``). Each
source is one query per figure, so a report runs the same number of queries whatever the number of calls.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import F, Q, QuerySet, Sum
from django.db.models.functions import TruncDay, TruncHour
from django.utils.translation import gettext_lazy as _

from credentials.models import Credential
from providers.models import Provider

from .models import HISTOGRAMS, LATENCY_BOUNDS_MS, CallLog, CallUsageDay, CallUsageHour, histogram_field_names
from .usage_rollup import (
    HISTOGRAM_FIELDS,
    bucket_sums,
    floor_day,
    floor_hour,
    next_day,
    raw_sums,
    rolled_until,
    usage_timezone,
)


def _no_names(ids: list[Any] | None) -> dict[Any, str]:
    return {}


# The names of the gateway's API keys by id (all of them for None), for the dashboard's filter and table. The
# gateway, a layer above, sets it when it starts (``gateway.apps``); without it keys are shown by their ids.
api_key_names: Callable[[list[Any] | None], dict[Any, str]] = _no_names

DIMENSIONS = {
    "user": _("user"),
    "group": _("group"),
    "model": _("model"),
    "credential": _("credential"),
    "provider": _("provider"),
    "api_key": _("API key"),
    "day": _("day"),
    "hour": _("hour"),
}
STEPS = {"day": _("per day"), "hour": _("per hour")}
# The hourly view covers a few days at most: a month of hours is a chart nobody can read.
MAX_HOURLY_SPAN = timedelta(days=7)


@dataclass(frozen=True)
class UsageFilters:
    """The calls a report counts: from ``since`` (included) to ``until`` (excluded), narrowed by the others."""

    since: datetime
    until: datetime
    user: int | None = None
    group: int | None = None
    credential: str | None = None
    provider: int | None = None
    model: str = ""
    api_key: int | None = None


@dataclass(frozen=True)
class UsageFigures:
    """The figures of one row. ``cost`` is per currency, never summed across currencies; latencies are in ms,
    approximate (read from histogram buckets) and None without calls (TTFT: without streamed calls)."""

    calls: int = 0
    errors: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost: tuple[tuple[str, Decimal], ...] = ()
    latency_p50: int | None = None
    latency_p95: int | None = None
    ttft_p50: int | None = None
    ttft_p95: int | None = None

    def cost_in(self, currency: str) -> Decimal:
        return dict(self.cost).get(currency, Decimal(0))

    @property
    def error_rate(self) -> float:
        return self.errors / self.calls if self.calls else 0.0


@dataclass(frozen=True)
class UsageRow:
    key: str
    label: str
    figures: UsageFigures


@dataclass(frozen=True)
class ModelCost:
    model: str
    currency: str
    cost: Decimal


@dataclass(frozen=True)
class UsageReport:
    filters: UsageFilters
    by: str
    step: str
    total: UsageFigures
    rows: list[UsageRow]
    series: list[UsageRow]
    cost_by_model: list[ModelCost]
    currencies: list[str] = field(default_factory=list)


def usage_report(*, filters: UsageFilters, by: str = "user", step: str = "day") -> UsageReport:
    """The report of ``filters``' calls grouped ``by`` a dimension, with a series ``step`` by step."""
    if by not in DIMENSIONS:
        raise ValueError(f"Unknown dimension {by!r}; choose one of {', '.join(DIMENSIONS)}.")
    if step not in STEPS:
        raise ValueError(f"Unknown step {step!r}; choose one of {', '.join(STEPS)}.")
    sources = list(_sources(filters, hourly=step == "hour" or by == "hour"))
    grouped = _grouped(sources, by)
    series = _series(sources, filters, step)
    total = _Tally()
    for tally in series.values():
        total.merge(tally)
    currencies = sorted(total.cost, key=lambda currency: (-total.priced.get(currency, 0), currency))
    rows = [UsageRow(key=key, label=label, figures=tally.figures()) for key, label, tally in _labelled(by, grouped)]
    if by in ("day", "hour"):
        rows.sort(key=lambda row: row.key)
    else:
        main = currencies[0] if currencies else ""
        rows.sort(key=lambda row: (-row.figures.cost_in(main), -row.figures.calls, row.label))
    return UsageReport(
        filters=filters,
        by=by,
        step=step,
        total=total.figures(),
        rows=rows,
        series=[
            UsageRow(key=when.isoformat(), label=_when_label(when, step), figures=t.figures())
            for when, t in series.items()
        ],
        cost_by_model=_cost_by_model(sources),
        currencies=currencies,
    )


def percentile(counts: list[int], share: float) -> int | None:
    """The value below which ``share`` of the counted calls fall, interpolated within its bucket (the open
    last bucket answers its lower bound)."""
    total = sum(counts)
    if not total:
        return None
    rank, seen = share * total, 0
    for index, count in enumerate(counts):
        if count and seen + count >= rank:
            low = LATENCY_BOUNDS_MS[index - 1] if index else 0
            if index == len(LATENCY_BOUNDS_MS):
                return low
            return round(low + (rank - seen) / count * (LATENCY_BOUNDS_MS[index] - low))
        seen += count
    return None


class _Tally:
    """Sums rows of any source; cost per currency."""

    def __init__(self) -> None:
        self.counts = dict.fromkeys(("calls", "errors", "tokens_in", "tokens_out"), 0)
        self.cost: dict[str, Decimal] = {}
        self.priced: dict[str, int] = {}
        self.histograms = {name: 0 for name in HISTOGRAM_FIELDS}

    def add(self, row: dict[str, Any]) -> None:
        for name in self.counts:
            self.counts[name] += row[name] or 0
        for name in self.histograms:
            self.histograms[name] += row[name] or 0
        if row["currency"]:
            self.cost[row["currency"]] = self.cost.get(row["currency"], Decimal(0)) + (row["cost"] or 0)
            self.priced[row["currency"]] = self.priced.get(row["currency"], 0) + (row["calls"] or 0)

    def merge(self, other: _Tally) -> None:
        for name, value in other.counts.items():
            self.counts[name] += value
        for name, value in other.histograms.items():
            self.histograms[name] += value
        for currency, cost in other.cost.items():
            self.cost[currency] = self.cost.get(currency, Decimal(0)) + cost
            self.priced[currency] = self.priced.get(currency, 0) + other.priced[currency]

    def figures(self) -> UsageFigures:
        latency, ttft = ([self.histograms[n] for n in histogram_field_names(kind)] for kind in HISTOGRAMS)
        return UsageFigures(
            calls=self.counts["calls"],
            errors=self.counts["errors"],
            tokens_in=self.counts["tokens_in"],
            tokens_out=self.counts["tokens_out"],
            cost=tuple(sorted(self.cost.items())),
            latency_p50=percentile(latency, 0.5),
            latency_p95=percentile(latency, 0.95),
            ttft_p50=percentile(ttft, 0.5),
            ttft_p95=percentile(ttft, 0.95),
        )


@dataclass(frozen=True)
class _Source:
    rows: QuerySet[Any]
    time: str
    sums: dict[str, Any]

    def grouped(self, *keys: Any, **expressions: Any) -> Iterator[dict[str, Any]]:
        return iter(
            self.rows.annotate(**expressions).values(*keys, *expressions, "currency").annotate(**self.sums).order_by()
        )


def _sources(filters: UsageFilters, *, hourly: bool) -> Iterator[_Source]:
    """Day rows for the whole rolled days, hour rows for the other rolled hours, raw rows for the rest.

    The period is taken in whole hours (``since`` down to its hour, ``until`` up to the end of its hour)."""
    since, until = _whole_hours(filters)
    mark = min(max(rolled_until() or since, since), until)
    first_day = since if since == floor_day(since) else next_day(floor_day(since))
    last_day = floor_day(mark)
    if hourly or first_day >= last_day:
        first_day = last_day = since
    parts: list[tuple[QuerySet[Any], str, Q, dict[str, Any]]] = [
        (CallUsageDay.objects.all(), "start", _between("start", first_day, last_day), bucket_sums()),
        (
            CallUsageHour.objects.all(),
            "start",
            _between("start", since, first_day) | _between("start", last_day, mark),
            bucket_sums(),
        ),
        (CallLog.objects.all(), "created_at", _between("created_at", mark, until), raw_sums()),
    ]
    for rows, time, period, sums in parts:
        if period:
            yield _Source(rows=_narrowed(rows, filters).filter(period), time=time, sums=sums)


def _whole_hours(filters: UsageFilters) -> tuple[datetime, datetime]:
    until = floor_hour(filters.until)
    return floor_hour(filters.since), until if until == filters.until else until + timedelta(hours=1)


def _between(column: str, start: datetime, end: datetime) -> Q:
    """[start, end) on ``column``; an empty Q when the range is empty."""
    return Q(**{f"{column}__gte": start, f"{column}__lt": end}) if start < end else Q()


def _narrowed(rows: QuerySet[Any], filters: UsageFilters) -> QuerySet[Any]:
    wanted = {
        "user_id": filters.user,
        "user__groups": filters.group,
        "credential_id": filters.credential,
        "provider_id": filters.provider,
        "model": filters.model or None,
        "api_key": filters.api_key,
    }
    return rows.filter(**{name: value for name, value in wanted.items() if value is not None})


def _truncated(source: _Source, step: str) -> Any:
    trunc = TruncHour if step == "hour" else TruncDay
    return trunc(source.time, tzinfo=usage_timezone())


_COLUMNS = {
    "user": "user",
    "group": "user__groups",
    "model": "model",
    "credential": "credential",
    "provider": "provider",
    "api_key": "api_key",
}


def _grouped(sources: list[_Source], by: str) -> dict[Any, _Tally]:
    tallies: dict[Any, _Tally] = {}
    for source in sources:
        if by in ("day", "hour"):
            rows = source.grouped(key=_truncated(source, by))
        else:
            rows = source.grouped(key=F(_COLUMNS[by]))
        for row in rows:
            tallies.setdefault(_key(row["key"], by), _Tally()).add(row)
    return tallies


def _key(value: Any, by: str) -> Any:
    if by in ("day", "hour"):
        return floor_hour(value) if by == "hour" else floor_day(value)
    return "" if value is None else value


def _series(sources: list[_Source], filters: UsageFilters, step: str) -> dict[datetime, _Tally]:
    """Every day (or hour) of the period in order, those without calls too: the chart's x axis."""
    series = {when: _Tally() for when in _steps(filters, step)}
    for source in sources:
        for row in source.grouped(key=_truncated(source, step)):
            series.setdefault(_key(row["key"], step), _Tally()).add(row)
    return dict(sorted(series.items()))


def _steps(filters: UsageFilters, step: str) -> Iterator[datetime]:
    when = floor_hour(filters.since) if step == "hour" else floor_day(filters.since)
    while when < filters.until:
        yield when
        when = floor_hour(when + timedelta(minutes=90)) if step == "hour" else next_day(when)


def _cost_by_model(sources: list[_Source]) -> list[ModelCost]:
    costs: dict[tuple[str, str], Decimal] = {}
    for source in sources:
        for row in source.rows.exclude(currency="").values("model", "currency").annotate(total=Sum("cost")).order_by():
            pair = (row["model"], row["currency"])
            costs[pair] = costs.get(pair, Decimal(0)) + (row["total"] or 0)
    made = [ModelCost(model=m, currency=c, cost=cost) for (m, c), cost in costs.items() if cost]
    return sorted(made, key=lambda item: (item.currency, -item.cost, item.model))


def _labelled(by: str, tallies: dict[Any, _Tally]) -> Iterable[tuple[str, str, _Tally]]:
    names = _names(by, [key for key in tallies if key != ""])
    for key, tally in tallies.items():
        if by in ("day", "hour"):
            yield key.isoformat(), _when_label(key, by), tally
        else:
            yield str(key), names.get(key, _none_label(by) if key == "" else str(key)), tally


def _names(by: str, keys: list[Any]) -> dict[Any, str]:
    """The display names of the ids in ``keys`` (one query; the provider's from the catalog, in the active
    language)."""
    if by == "user":
        users = get_user_model().objects.filter(pk__in=keys)
        return {user.pk: user.get_username() for user in users}
    if by == "group":
        return dict(Group.objects.filter(pk__in=keys).values_list("pk", "name"))
    if by == "credential":
        return {pk: name for pk, name in Credential.objects.filter(pk__in=keys).values_list("pk", "name")}
    if by == "provider":
        return {provider.pk: str(provider.name) for provider in Provider.objects.filter(pk__in=keys)}
    if by == "api_key":
        return api_key_names(keys)
    return {key: key for key in keys}


def _none_label(by: str) -> str:
    labels = {
        "user": _("(no user)"),
        "group": _("(no group)"),
        "credential": _("(no credential)"),
        "provider": _("(no provider)"),
        "model": _("(no model)"),
        "api_key": _("(no API key)"),
    }
    return str(labels[by])


def _when_label(when: datetime, step: str) -> str:
    local = when.astimezone(usage_timezone())
    return local.strftime("%Y-%m-%d %H:00") if step == "hour" else local.strftime("%Y-%m-%d")
