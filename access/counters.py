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


class Store(Protocol):
    def reserve(self, counters: Sequence[Counter]) -> int | None: ...

    def add(self, counters: Sequence[Counter], amounts: Sequence[Decimal]) -> None: ...

    def used(self, counters: Sequence[Counter]) -> list[Decimal]: ...


class Refused(Exception):
    def __init__(self, index: int) -> None:
        self.index = index


class DatabaseStore:
    """``QuotaCounter`` rows; each change one upsert statement (SQLite 3.35+ and PostgreSQL both have it)."""

    def _upsert(self, counter: Counter, amount: Decimal, limit: Decimal | None) -> bool:
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
            return cursor.fetchone() is not None

    def _reserve_once(self, counters: Sequence[Counter]) -> int | None:
        order = sorted(range(len(counters)), key=lambda i: (counters[i].quota_id, counters[i].subject))
        try:
            with transaction.atomic():
                for index in order:
                    counter = counters[index]
                    if counter.amount > counter.limit:
                        raise Refused(index)
                    if counter.amount and not self._upsert(counter, counter.amount, counter.limit):
                        raise Refused(index)
                    if not counter.amount and self._read(counter) >= counter.limit:
                        raise Refused(index)
        except Refused as refused:
            return refused.index
        return None

    def reserve(self, counters: Sequence[Counter]) -> int | None:
        return write_retrying(functools.partial(self._reserve_once, counters))

    def _add_once(self, counters: Sequence[Counter], amounts: Sequence[Decimal]) -> None:
        with transaction.atomic():
            for counter, amount in sorted(zip(counters, amounts, strict=True), key=lambda p: p[0].quota_id):
                if amount:
                    self._upsert(counter, amount, None)

    def add(self, counters: Sequence[Counter], amounts: Sequence[Decimal]) -> None:
        write_retrying(functools.partial(self._add_once, counters, amounts))

    def _read(self, counter: Counter) -> Decimal:
        row = QuotaCounter.objects.filter(
            quota_id=counter.quota_id, subject=counter.subject, window_start=counter.window_start
        ).values_list("used", flat=True)
        return Decimal(row[0]) if row else Decimal(0)

    def used(self, counters: Sequence[Counter]) -> list[Decimal]:
        return [self._read(counter) for counter in counters]


# KEYS: the counters; ARGV: per key its amount and its limit. Returns 0, or the 1-based index of the refused key.
RESERVE = """
for i, key in ipairs(KEYS) do
  local used = tonumber(redis.call('GET', key) or '0')
  local amount = tonumber(ARGV[2 * i - 1])
  local limit = tonumber(ARGV[2 * i])
  if (amount > 0 and used + amount > limit) or (amount == 0 and used >= limit) then
    return i
  end
end
for i, key in ipairs(KEYS) do
  local amount = tonumber(ARGV[2 * i - 1])
  if amount > 0 then redis.call('INCRBYFLOAT', key, ARGV[2 * i - 1]) end
end
return 0
"""
KEEP_SECONDS = 24 * 3600  # a key outlives its window by a day (the usage pages read the last window)


class RedisStore:
    def __init__(self, url: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.script = self.client.register_script(RESERVE)

    def _expire(self, pipe: Any, counters: Sequence[Counter]) -> None:
        for counter in counters:
            if counter.expires_at is not None:
                pipe.expireat(counter.key, int(counter.expires_at.timestamp()) + KEEP_SECONDS)

    def reserve(self, counters: Sequence[Counter]) -> int | None:
        args: list[str] = []
        for counter in counters:
            args += [str(counter.amount), str(counter.limit)]
        refused = int(self.script(keys=[c.key for c in counters], args=args))
        if refused:
            return refused - 1
        pipe = self.client.pipeline(transaction=False)
        self._expire(pipe, [c for c in counters if c.amount])
        pipe.execute()
        return None

    def add(self, counters: Sequence[Counter], amounts: Sequence[Decimal]) -> None:
        pipe = self.client.pipeline(transaction=True)
        changed = [(c, a) for c, a in zip(counters, amounts, strict=True) if a]
        for counter, amount in changed:
            pipe.incrbyfloat(counter.key, float(amount))
        self._expire(pipe, [c for c, _a in changed])
        pipe.execute()

    def used(self, counters: Sequence[Counter]) -> list[Decimal]:
        values: list[Any] = list(self.client.mget([c.key for c in counters])) if counters else []  # type: ignore[arg-type]
        return [Decimal(v.decode()) if v is not None else Decimal(0) for v in values]


@functools.cache
def _redis(url: str) -> RedisStore:
    return RedisStore(url)


def store() -> Store:
    url = settings.QUOTA_REDIS_URL
    return _redis(url) if url else DatabaseStore()
