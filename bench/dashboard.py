"""The usage dashboard's "who spent what last month" page at 10,000 and 1,000,000 CallLog rows.

    .venv/bin/python -m bench.dashboard [--postgres] [--rows 10000,1000000]

On a throw-away database (SQLite in a temporary directory, or with --postgres a database made for the run on
postgres://postgres@127.0.0.1:5432, trust auth), for each size: bulk-insert CallLog rows (COPY on PostgreSQL)
spread over 60 days, 50 users in 5 groups, 20 credentials of 5 providers, 100 models and two currencies; roll
them up from scratch (timed), then one beat run (timed), then time last month's report grouped by user through
the selectors, and the full admin page through Django's test client (median of --repeat). The report is also
timed straight from the raw rows (no roll-up), to show what the roll-up buys. Goal: the page under 1 s at
1,000,000 rows on PostgreSQL.

The calls are drawn the way people use a console: each user sticks to two credentials and four models on each,
at their own rate (some users call far more than others). Each size is a fresh database.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

POSTGRES = "postgres://postgres@127.0.0.1:5432"
PROVIDERS = {"openai": "USD", "anthropic": "USD", "gemini": "USD", "deepseek": "CNY", "qwen": "CNY"}
USERS, GROUPS, CREDENTIALS, MODELS, DAYS = 50, 5, 20, 100, 60
GOAL_SECONDS = 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", action="store_true", help="Run on PostgreSQL instead of SQLite.")
    parser.add_argument("--rows", default="10000,1000000", help="Comma-separated CallLog row counts.")
    parser.add_argument("--repeat", type=int, default=5, help="Timed runs of each query (the median is shown).")
    args = parser.parse_args()
    sizes = [int(size.replace("_", "")) for size in args.rows.split(",")]
    results = []
    for size in sizes:
        with _database(postgres=args.postgres) as url:
            results.append(_measure(url, size, args.repeat))
    _print(results, postgres=args.postgres)


@contextmanager
def _database(*, postgres: bool) -> Iterator[str]:
    from bench.loadkit.modeldesk import postgres_database, sqlite_database

    if postgres:
        with postgres_database(POSTGRES) as url:
            yield url
    else:
        with tempfile.TemporaryDirectory() as directory, sqlite_database(Path(directory)) as url:
            yield url


def _measure(url: str, size: int, repeat: int) -> dict[str, Any]:
    """Runs in a child process per size: Django is set up once per process, on one database."""
    import json
    import subprocess

    command = [sys.executable, "-m", "bench.dashboard", "--child", url, str(size), str(repeat)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode:
        raise SystemExit(f"the {size:,}-row run failed:\n{done.stderr[-4000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _child(url: str, size: int, repeat: int) -> None:
    import json

    _setup_django(url)
    from django.db import connection

    started = time.perf_counter()
    _seed(size)
    seeded = time.perf_counter() - started
    from calls.usage_rollup import usage_rollup

    _analyze()
    raw = _median(repeat, _report)
    full = _timed(usage_rollup)  # the tables are empty: every hour from the first call
    _analyze()
    beat = _timed(usage_rollup)
    from calls.models import CallUsageDay, CallUsageHour

    result = {
        "rows": size,
        "vendor": connection.vendor,
        "seed_s": seeded,
        "hour_rows": CallUsageHour.objects.count(),
        "day_rows": CallUsageDay.objects.count(),
        "rollup_s": full,
        "beat_s": beat,
        "raw_report_s": raw,
        "report_s": _median(repeat, _report),
        "page_s": _median(repeat, _page()),
    }
    print(json.dumps(result))


def _setup_django(url: str) -> None:
    from credentials.crypto import generate_key

    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DJANGO_ENV_FILE": "",
            "DATABASE_URL": url,
            "CREDENTIAL_ENCRYPTION_KEYS": generate_key(),
            "CREDENTIAL_TEST_ON_SAVE": "false",
            "LOG_LEVEL": "WARNING",
            "DEBUG": "false",
            "ALLOWED_HOSTS": "testserver",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_providers", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115


def last_month(now: datetime) -> tuple[datetime, datetime]:
    from calls.usage_rollup import floor_day

    first_of_month = floor_day(now).replace(day=1)
    return floor_day(first_of_month - timedelta(days=1)).replace(day=1), first_of_month


def _report() -> None:
    from django.utils import timezone

    from calls.usage_report import UsageFilters, usage_report

    since, until = last_month(timezone.now())
    usage_report(filters=UsageFilters(since=since, until=until), by="user")


def _page() -> Callable[[], None]:
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone

    client = Client()
    client.force_login(get_user_model().objects.get(username="bench-admin"))
    since, until = last_month(timezone.now())
    query = {"since": since.date().isoformat(), "until": (until - timedelta(days=1)).date().isoformat(), "by": "user"}

    def get() -> None:
        response = client.get("/admin/calls/usage/", query)
        assert response.status_code == 200, response.status_code

    return get


def _seed(size: int) -> None:
    """Users, groups, credentials and ``size`` CallLog rows over the last 60 days."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from credentials.services import credential_save
    from providers.models import Provider

    rng = random.Random(13)
    get_user_model().objects.create_superuser(username="bench-admin", password="bench-only-pw")  # noqa: S106
    groups = [Group.objects.create(name=f"team-{g}") for g in range(GROUPS)]
    users = []
    for u in range(USERS):
        user = get_user_model().objects.create_user(username=f"user-{u:02d}")
        user.groups.add(groups[u % GROUPS])
        users.append(user.pk)
    providers = {slug: Provider.objects.get(slug=slug) for slug in PROVIDERS}
    credentials = []
    for c in range(CREDENTIALS):
        slug = list(PROVIDERS)[c % len(PROVIDERS)]
        values = {"api_key": f"bench-key-{c:04d}-" + "x" * 24}
        credential = credential_save(provider=providers[slug], name=f"{slug}-{c:02d}", values=values)
        credentials.append((credential.pk, providers[slug].pk, slug))
    models = {slug: _model_names(provider, MODELS // len(PROVIDERS)) for slug, provider in providers.items()}
    habits = []
    for user in users:
        for credential, provider, slug in rng.sample(credentials, 2):
            habits += [(user, credential, provider, slug, model) for model in rng.sample(models[slug], 4)]
    weights = [rng.paretovariate(1.2) for _ in habits]
    _insert(_rows(rng, size, habits, weights))


def _model_names(provider: Any, count: int) -> list[str]:
    """The provider's catalog models first (real names read better in screenshots), then made-up ones."""
    from providers.models import ProviderModel

    known = ProviderModel.objects.filter(provider=provider, model_type="llm").order_by("name")
    names = list(known.values_list("name", flat=True)[:count])
    return names + [f"{provider.slug}-custom-{m:02d}" for m in range(count - len(names))]


def _rows(rng: random.Random, size: int, habits: list[Any], weights: list[float]) -> Iterator[tuple[Any, ...]]:
    from django.utils import timezone

    now = timezone.now()
    span = DAYS * 86400
    for habit in rng.choices(habits, weights, k=size):
        user, credential, provider, slug, model = habit
        stream = rng.random() < 0.3
        failed = rng.random() < 0.03
        tokens_in, tokens_out = rng.randint(20, 4000), (0 if failed else rng.randint(5, 1200))
        priced = not failed and rng.random() > 0.05
        cost = Decimal(tokens_in * 2 + tokens_out * 8) / 1_000_000 if priced else None
        latency = int(rng.lognormvariate(6.6, 0.8))
        yield (
            now - timedelta(seconds=rng.random() * span),
            *(user, provider, credential, model),
            "chat_stream" if stream else "chat",
            "error" if failed else "ok",
            "provider_unavailable" if failed else "",
            *("", 1, latency, int(latency * rng.uniform(0.1, 0.4)) if stream else None),
            *(tokens_in, tokens_out, None, None, False, "" if failed else "stop"),
            *(cost, PROVIDERS[slug] if priced else ""),
        )


COLUMNS = [
    *("created_at", "user_id", "provider_id", "credential_id", "model", "operation", "status", "error_type"),
    *("message", "attempts", "latency_ms", "ttft_ms", "tokens_in", "tokens_out", "tokens_cached"),
    *("tokens_reasoning", "usage_estimated", "finish_reason", "cost", "currency"),
]


def _insert(rows: Iterator[tuple[Any, ...]]) -> None:
    """COPY on PostgreSQL; batched executemany on SQLite."""
    from django.db import connection, transaction

    from calls.models import CallLog

    table, columns = CallLog._meta.db_table, ", ".join(COLUMNS)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                for row in rows:
                    copy.write_row(row)
            return
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(COLUMNS))})"  # noqa: S608
        batch: list[tuple[Any, ...]] = []
        for row in rows:
            created, user, provider, credential = row[:4]
            when = connection.ops.adapt_datetimefield_value(created)
            cost = None if row[18] is None else str(row[18])
            batch.append((when, user, provider, credential.hex, *row[4:18], cost, row[19]))
            if len(batch) == 20_000:
                cursor.executemany(sql, batch)
                batch.clear()
        cursor.executemany(sql, batch)


def _analyze() -> None:
    """What autovacuum would have done by the time someone looks at last month."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _timed(work: Callable[[], Any]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def _median(repeat: int, work: Callable[[], Any]) -> float:
    work()  # warm: the first run pays for imports and the template's compilation
    return statistics.median(_timed(work) for _ in range(repeat))


def _print(results: list[dict[str, Any]], *, postgres: bool) -> None:
    vendor = "PostgreSQL" if postgres else "SQLite"
    print(f"\nUsage dashboard, last month by user, on {vendor} (median of the timed runs)\n")
    header = ("CallLog rows", "hour rows", "day rows", "seed", "roll-up", "beat run", "raw report", "report", "page")
    print("  ".join(f"{h:>12}" for h in header))
    for r in results:
        cells = (f"{r['rows']:,}", f"{r['hour_rows']:,}", f"{r['day_rows']:,}", *(_s(r[k]) for k in _TIMES))
        print("  ".join(f"{c:>12}" for c in cells))
    if len(results) > 1:
        first, last = results[0], results[-1]
        ratios = ("", "", "", *(f"x{last[k] / first[k]:.1f}" if first[k] else "" for k in _TIMES))
        print("  ".join(f"{c:>12}" for c in (f"x{last['rows'] / first['rows']:.0f} rows", *ratios[1:])))
    print(
        "\nroll-up: every hour from scratch; beat run: one usage_rollup() after it (the last hours again);"
        "\nraw report: the same report before any roll-up, straight from CallLog; page: the admin page, rendered."
    )
    million = [r for r in results if r["rows"] >= 1_000_000]
    if not postgres or not million:
        print(
            "\nGoal (page < 1 s at 1,000,000 rows on PostgreSQL): not measured (run with --postgres --rows ...,1000000)"
        )
        return
    verdict = "met" if million[-1]["page_s"] < GOAL_SECONDS else "NOT met"
    print(f"\nGoal (page < 1 s at 1,000,000 rows on PostgreSQL): {verdict} ({_s(million[-1]['page_s'])})")


_TIMES = ("seed_s", "rollup_s", "beat_s", "raw_report_s", "report_s", "page_s")


def _s(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        _child(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        main()
