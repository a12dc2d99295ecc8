"""The usage roll-up: CallLog rows summed per hour into CallUsageHour, and hours per day into CallUsageDay.

``usage_rollup()`` is the service (run by the ``calls.usage_rollup`` beat task every few minutes). It is
idempotent: rolling a period again replaces that period's rows, so a run after a late write, a crash or a manual
``since=`` backfill leaves the same rows as one clean run. Only complete hours are rolled; the dashboard reads the
hours after the last rolled one from CallLog itself (``rolled_until``), so it is never stale.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, DateTimeField, DecimalField, Max, Min, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncHour
from django.utils import timezone

from .models import (
    HISTOGRAMS,
    LATENCY_BOUNDS_MS,
    CallLog,
    CallStatus,
    CallUsageDay,
    CallUsageHour,
    UsageBucket,
    histogram_field_names,
)

# What a roll-up row is keyed by, as ``values()`` names them (the foreign keys come back as ids).
DIMENSIONS = ("user", "provider", "credential", "model", "api_key", "operation", "currency")
COUNTERS = ("calls", "errors", "tokens_in", "tokens_out", "cost")
HISTOGRAM_FIELDS = tuple(name for kind in HISTOGRAMS for name in histogram_field_names(kind))
SUMMED = (*COUNTERS, *HISTOGRAM_FIELDS)
# Each run rolls again the last hours it rolled before: a row committed just after its hour was rolled is counted.
REROLL = timedelta(hours=2)
_LOCK_KEY = 0x4D445553  # "MDUS": one roll-up at a time on PostgreSQL


@dataclass(frozen=True)
class UsageRollup:
    """What one run rolled: the hours [start, end) and how many hour and day rows it wrote."""

    start: datetime | None
    end: datetime | None
    hour_rows: int
    day_rows: int


def usage_timezone() -> tzinfo:
    """Days follow TIME_ZONE, whoever is looking."""
    return timezone.get_default_timezone()


def floor_hour(moment: datetime) -> datetime:
    """Hours are UTC hours: the same as local ones except in zones with a half-hour offset, whose days then run
    from the UTC hour after midnight (00:30 in India)."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def floor_day(moment: datetime) -> datetime:
    return timezone.localtime(moment, usage_timezone()).replace(hour=0, minute=0, second=0, microsecond=0)


def next_day(day: datetime) -> datetime:
    """The midnight after ``day``'s (23 or 25 hours later on the days clocks change)."""
    return floor_day(day + timedelta(hours=26))


def rolled_until() -> datetime | None:
    """The end of the last rolled hour that had calls: CallUsageHour is complete before it, CallLog after it."""
    last = CallUsageHour.objects.aggregate(last=Max("start"))["last"]
    return None if last is None else last + timedelta(hours=1)


def raw_sums() -> dict[str, Any]:
    """The aggregates of a CallUsageHour row over CallLog rows: counters and histogram buckets."""
    zero = Value(Decimal(0), output_field=DecimalField(max_digits=20, decimal_places=8))
    sums: dict[str, Any] = {
        "calls": Count("pk"),
        "errors": Count("pk", filter=Q(status=CallStatus.ERROR)),
        "tokens_in": Coalesce(Sum("tokens_in"), 0),
        "tokens_out": Coalesce(Sum("tokens_out"), 0),
        "cost": Coalesce(Sum("cost"), zero),
    }
    for kind, column in (("latency", "latency_ms"), ("ttft", "ttft_ms")):
        lows = (0, *LATENCY_BOUNDS_MS)
        highs: tuple[int | None, ...] = (*LATENCY_BOUNDS_MS, None)
        for name, low, high in zip(histogram_field_names(kind), lows, highs, strict=True):
            bucket = Q(**{f"{column}__gte": low})
            if high is not None:
                bucket &= Q(**{f"{column}__lt": high})
            sums[name] = Count("pk", filter=bucket)
    return sums


def bucket_sums() -> dict[str, Any]:
    """The same aggregates over roll-up rows: sums of their columns."""
    return {name: Sum(name) for name in SUMMED}


def usage_rollup(*, since: datetime | None = None, until: datetime | None = None) -> UsageRollup:
    """Roll the complete hours from ``since`` (default: a little before the last rolled hour, or the first call)
    to ``until`` (default and at most: the start of the current hour), then the complete days they touch."""
    end = floor_hour(min(until or timezone.now(), timezone.now()))
    start = _default_start() if since is None else _first_call_after(since)
    if start is None or start >= end:
        return UsageRollup(start=start, end=end, hour_rows=0, day_rows=0)
    with transaction.atomic():
        _lock()
        hour_rows = _roll_hours(start, end)
        day_rows = sum(_roll_day(day) for day, day_end in _days_between(floor_day(start), floor_day(end)))
    return UsageRollup(start=start, end=end, hour_rows=hour_rows, day_rows=day_rows)


def _default_start() -> datetime | None:
    mark = rolled_until()
    if mark is not None:
        return mark - REROLL
    first = CallLog.objects.aggregate(first=Min("created_at"))["first"]
    return None if first is None else floor_hour(first)


def _first_call_after(since: datetime) -> datetime | None:
    """``since``'s hour, or the first call's hour when it is later: hours before the first call have no rows."""
    first = CallLog.objects.filter(created_at__gte=floor_hour(since)).aggregate(first=Min("created_at"))["first"]
    return None if first is None else floor_hour(first)


def _lock() -> None:
    """Two overlapping runs would each delete and insert the same period; on PostgreSQL the second waits.
    (SQLite runs one write transaction at a time anyway.)"""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


def _days_between(start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
    """[start, end) cut at each midnight."""
    while start < end:
        cut = min(next_day(floor_day(start)), end)
        yield start, cut
        start = cut


def _roll_hours(start: datetime, end: datetime) -> int:
    """The hours of [start, end), a day's worth per INSERT ... SELECT: the database sums the rows."""
    written = 0
    while start < end:
        cut = min(start + timedelta(hours=24), end)
        CallUsageHour.objects.filter(start__gte=start, start__lt=cut).delete()
        rows = CallLog.objects.filter(created_at__gte=start, created_at__lt=cut)
        written += _insert_grouped(CallUsageHour, rows, TruncHour("created_at", tzinfo=UTC), raw_sums())
        start = cut
    return written


def _roll_day(day: datetime) -> int:
    CallUsageDay.objects.filter(start__gte=day, start__lt=next_day(day)).delete()
    hours = CallUsageHour.objects.filter(start__gte=day, start__lt=next_day(day))
    return _insert_grouped(CallUsageDay, hours, Value(day, output_field=DateTimeField()), bucket_sums())


def _insert_grouped(model: type[UsageBucket], rows: QuerySet[Any], bucket: Any, sums: dict[str, Any]) -> int:
    """INSERT INTO ``model``'s table ``rows`` grouped by ``bucket`` (its ``start``) and DIMENSIONS; no row
    goes through Python.

    ``bucket`` is a UTC truncation or a constant: both databases store them as they store any datetime (Django
    runs PostgreSQL sessions in UTC), which a truncation to a local day would not be."""
    grouped = rows.annotate(bucket=bucket).values("bucket", *DIMENSIONS).annotate(**sums).order_by()
    # The SELECT's columns in order: Django 5.2 keeps them in ``selected``; before it, fields then annotations.
    selected = getattr(grouped.query, "selected", None)
    names = list(selected) if selected else [*grouped.query.values_select, *grouped.query.annotation_select]
    columns = {field.name: field.column for field in model._meta.concrete_fields} | {"bucket": "start"}
    listed = ", ".join(connection.ops.quote_name(columns[name]) for name in names)
    sql, params = grouped.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({listed}) {sql}", params)
        return max(cursor.rowcount, 0)
