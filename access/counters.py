"""Quota counters: in the database on the embedded default, in Redis when ``QUOTA_REDIS_URL`` is set, so that
several processes and machines enforce one limit.

Both stores take a call's counters together. ``reserve`` is all or nothing: every counter that counts calls goes
up by one unless that passes its limit, and every counter that counts tokens or cost must still be under its
limit; if any fails, none changes and its index is returned. ``add`` adds what a call used, after it. Counters
are exact under concurrency: in the database each is one ``INSERT ... ON CONFLICT DO UPDATE ... WHERE`` (a row
lock on PostgreSQL, the one writer on SQLite) inside one transaction, taken in a fixed order; in Redis one Lua
script runs them all at once.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from core.redis import redis_client
from core.writes import write_retrying

from .models import QuotaCounter


@dataclass(frozen=True)
class Counter:
    """One quota's counter for one call: ``amount`` is what reserving it adds (1 for calls, 0 to only check)."""

    quota_id: int
    subject: str
    window_start: datetime
    limit: Decimal
    amount: Decimal
    expires_at: datetime | None  # when the window resets (Redis keeps the key a day longer); None: never

    @property
    def key(self) -> str:
        return f"modeldesk:quota:{self.quota_id}:{self.subject or '*'}:{self.window_start:%Y%m%d}"


@dataclass(frozen=True)
class Reservation:
    """``refused``: the index of the counter that refused (nothing changed then), else None. ``used``: every
    counter's value after the reservation (what it was, for one that only checks); after a refusal, the refused
    counter's value alone."""

    refused: int | None
    used: list[Decimal]


class Store(Protocol):
    def reserve(self, counters: Sequence[Counter]) -> Reservation: ...

    def add(self, counters: Sequence[Counter], amounts: Sequence[Decimal]) -> list[Decimal | None]:
        """Add ``amounts``; each changed counter's new value (None where its amount was 0)."""
        ...

    def used(self, counters: Sequence[Counter]) -> list[Decimal]: ...


class Refused(Exception):
    def __init__(self, index: int) -> None:
        self.index = index


class DatabaseStore:
    """``QuotaCounter`` rows; each change one upsert statement (SQLite 3.35+ and PostgreSQL both have it)."""

    def _upsert(self, counter: Counter, amount: Decimal, limit: Decimal | None) -> Decimal | None:
        """The counter's new value, or None if ``limit`` refused the change."""
        table = connection.ops.quote_name(QuotaCounter._meta.db_table)
        condition = f" WHERE {table}.used + excluded.used <= CAST(%s AS NUMERIC)" if limit is not None else ""
        # The table's name is the model's; every value is a parameter. The casts: SQLite compares a number with
        # a text parameter (Django passes decimals as text) as text.
        sql = (
            f"INSERT INTO {table} (quota_id, subject, window_start, used, updated_at) "  # noqa: S608
            "VALUES (%s, %s, %s, CAST(%s AS NUMERIC), %s) "
            f"ON CONFLICT (quota_id, subject, window_start) DO UPDATE SET used = {table}.used + excluded.used, "
            f"updated_at = excluded.updated_at{condition} RETURNING used"
        )
        adapt = connection.ops.adapt_datetimefield_value  # as the ORM stores it (SQLite: naive UTC text)
        params: list[Any] = [
            counter.quota_id,
            counter.subject,
            adapt(counter.window_start),
            amount,
            adapt(timezone.now()),
        ]
        if limit is not None:
            params.append(limit)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        return Decimal(str(row[0])) if row is not None else None

    def _reserve_once(self, counters: Sequence[Counter]) -> Reservation:
        order = sorted(range(len(counters)), key=lambda i: (counters[i].quota_id, counters[i].subject))
        used: list[Decimal] = [Decimal(0)] * len(counters)
        try:
            with transaction.atomic():
                for index in order:
                    used[index] = self._take(index, counters[index])
        except Refused as refused:
            return Reservation(refused=refused.index, used=self.used([counters[refused.index]]))
        return Reservation(refused=None, used=used)

    def _take(self, index: int, counter: Counter) -> Decimal:
        if counter.amount > counter.limit:
            raise Refused(index)
        if counter.amount:
            now = self._upsert(counter, counter.amount, counter.limit)
            if now is None:
                raise Refused(index)
            return now
        now = self._read(counter)
        if now >= counter.limit:
            raise Refused(index)
        return now

    def reserve(self, counters: Sequence[Counter]) -> Reservation:
        return write_retrying(functools.partial(self._reserve_once, counters))

    def _add_once(self, counters: Sequence[Counter], amounts: Sequence[Decimal]) -> list[Decimal | None]:
        result: list[Decimal | None] = [None] * len(counters)
        with transaction.atomic():
            for index in sorted(range(len(counters)), key=lambda i: counters[i].quota_id):
                if amounts[index]:
                    result[index] = self._upsert(counters[index], amounts[index], None)
        return result

    def add(self, counters: Sequence[Counter], amounts: Sequence[Decimal]) -> list[Decimal | None]:
        if not any(amounts):
            return [None] * len(counters)
        return write_retrying(functools.partial(self._add_once, counters, amounts))

    def _read(self, counter: Counter) -> Decimal:
        row = QuotaCounter.objects.filter(
            quota_id=counter.quota_id, subject=counter.subject, window_start=counter.window_start
        ).values_list("used", flat=True)
        return Decimal(row[0]) if row else Decimal(0)

    def used(self, counters: Sequence[Counter]) -> list[Decimal]:
        return [self._read(counter) for counter in counters]


# KEYS: the counters; ARGV: per key its amount and its limit. Returns {0, values...} with every counter's value
# after the reservation, or {i, value} with the 1-based index of the refused key and its value.
RESERVE = """
local values = {}
for i, key in ipairs(KEYS) do
  local used = tonumber(redis.call('GET', key) or '0')
  local amount = tonumber(ARGV[2 * i - 1])
  local limit = tonumber(ARGV[2 * i])
  if (amount > 0 and used + amount > limit) or (amount == 0 and used >= limit) then
    return {i, tostring(used)}
  end
  values[i] = used
end
local result = {0}
for i, key in ipairs(KEYS) do
  local amount = tonumber(ARGV[2 * i - 1])
  if amount > 0 then
    result[i + 1] = redis.call('INCRBYFLOAT', key, ARGV[2 * i - 1])
  else
    result[i + 1] = tostring(values[i])
  end
end
return result
"""
KEEP_SECONDS = 24 * 3600  # a key outlives its window by a day (the usage pages read the last window)


class RedisStore:
    def __init__(self, url: str) -> None:
        self.client = redis_client(url)
        self.script = self.client.register_script(RESERVE)

    def _expire(self, pipe: Any, counters: Sequence[Counter]) -> None:
        for counter in counters:
            if counter.expires_at is not None:
                pipe.expireat(counter.key, int(counter.expires_at.timestamp()) + KEEP_SECONDS)

    def reserve(self, counters: Sequence[Counter]) -> Reservation:
        args: list[str] = []
        for counter in counters:
            args += [str(counter.amount), str(counter.limit)]
        refused, *values = self.script(keys=[c.key for c in counters], args=args)
        used = [_decimal(value) for value in values]
        if refused:
            return Reservation(refused=int(refused) - 1, used=used)
        pipe = self.client.pipeline(transaction=False)
        self._expire(pipe, [c for c in counters if c.amount])
        pipe.execute()
        return Reservation(refused=None, used=used)

    def add(self, counters: Sequence[Counter], amounts: Sequence[Decimal]) -> list[Decimal | None]:
        changed = [i for i, amount in enumerate(amounts) if amount]
        if not changed:
            return [None] * len(counters)
        pipe = self.client.pipeline(transaction=True)
        for index in changed:
            pipe.incrbyfloat(counters[index].key, float(amounts[index]))
        self._expire(pipe, [counters[i] for i in changed])
        values = pipe.execute()[: len(changed)]
        result: list[Decimal | None] = [None] * len(counters)
        for index, value in zip(changed, values, strict=True):
            result[index] = _decimal(value)
        return result

    def used(self, counters: Sequence[Counter]) -> list[Decimal]:
        values: list[Any] = list(self.client.mget([c.key for c in counters])) if counters else []  # type: ignore[arg-type]
        return [_decimal(v) if v is not None else Decimal(0) for v in values]


def _decimal(value: Any) -> Decimal:
    return Decimal(value.decode() if isinstance(value, bytes) else str(value))


@functools.cache
def _redis(url: str) -> RedisStore:
    return RedisStore(url)


def store() -> Store:
    url = settings.QUOTA_REDIS_URL
    return _redis(url) if url else DatabaseStore()
