"""A quota's windows: when the current one started and when it resets, in ``settings.TIME_ZONE``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from .models import Window

# A total quota's one window, which never resets.
EVER = datetime(2000, 1, 1, tzinfo=UTC)


def zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def window_start(window: str, now: datetime) -> datetime:
    """The start of the window ``now`` is in (an aware datetime)."""
    if window == Window.TOTAL:
        return EVER
    local = now.astimezone(zone())
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if window == Window.MONTH:
        start = start.replace(day=1)
    return start


def window_end(window: str, start: datetime) -> datetime | None:
    """When the window that began at ``start`` resets; None for a total quota."""
    if window == Window.TOTAL:
        return None
    local = start.astimezone(zone())
    if window == Window.DAY:
        following = local + timedelta(days=1)  # wall-clock arithmetic: a DST day is 23 or 25 hours long
    else:
        following = (local.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following.replace(tzinfo=zone())
