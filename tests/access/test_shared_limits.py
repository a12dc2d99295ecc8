"""One limit shared by several processes: two processes, 16 threads each, reserve against one counter of 100
calls, in the database (SQLite or PostgreSQL, whichever the suite runs on) and in Redis; exactly 100 succeed.

With CI=true a missing Redis is a failure; elsewhere the Redis test skips and says why.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path

import pytest

from access.counters import Counter, RedisStore
from access.models import Metric, Quota, Window
from tests.processes import subprocess_environment
from tests.redis_service import REDIS_URL, redis_or_skip

ROOT = Path(__file__).resolve().parents[2]

# Run in each process: 16 threads share 80 attempts at the counter; prints how many were let through.
WORKER = """
import os, sys, threading
from datetime import datetime, timedelta, UTC
from decimal import Decimal
import django
django.setup()
from access.counters import Counter, DatabaseStore, RedisStore

quota, url = int(sys.argv[1]), sys.argv[2]
store = RedisStore(url) if url else DatabaseStore()
start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)  # today's window: its keys live on
counter = Counter(quota_id=quota, subject="", window_start=start, limit=Decimal(100),
                  amount=Decimal(1), expires_at=start + timedelta(days=1))
todo, passed, lock = iter(range(80)), [], threading.Lock()

def work():
    for _ in todo:
        if store.reserve([counter]).refused is None:
            with lock:
                passed.append(1)
    connection.close()

threads = [threading.Thread(target=work) for _ in range(16)]
for t in threads: t.start()
for t in threads: t.join()
print(len(passed))
"""


def _two_processes(quota: int, redis_url: str = "") -> list[int]:
    env = subprocess_environment()
    command = [sys.executable, "-c", WORKER, str(quota), redis_url]
    workers = [
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)
    ]
    results = []
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err.decode()[-2000:]
        results.append(int(out.decode().split()[-1]))
    return results


@pytest.mark.django_db(transaction=True)
def test_two_processes_share_one_limit_in_the_database():
    quota = Quota.objects.create(metric=Metric.CALLS, window=Window.DAY, limit=100)
    passed = _two_processes(quota.pk)
    assert sum(passed) == 100, passed
    assert quota.counters.get().used == Decimal(100)


def test_two_processes_share_one_limit_in_redis():
    client = redis_or_skip()
    quota = 10_000_000 + uuid.uuid4().int % 1_000_000  # a key no other run uses
    try:
        passed = _two_processes(quota, REDIS_URL)
        assert sum(passed) == 100, passed
    finally:
        for key in client.scan_iter(f"modeldesk:quota:{quota}:*"):
            client.delete(key)


def test_redis_reserves_all_or_nothing_and_adds_what_calls_used():
    client = redis_or_skip()
    store = RedisStore(REDIS_URL)
    base = 20_000_000 + uuid.uuid4().int % 1_000_000
    from datetime import UTC, datetime, timedelta

    # Today's window: a window that ended more than a day ago has keys Redis drops at once.
    start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + timedelta(days=1)
    calls = Counter(base, "user:1", start, Decimal(5), Decimal(1), end)
    tokens = Counter(base + 1, "", start, Decimal(100), Decimal(0), end)
    try:
        assert store.reserve([calls, tokens]).used == [Decimal(1), Decimal(0)]
        assert store.add([calls, tokens], [Decimal(0), Decimal(120)]) == [None, Decimal(120)]
        assert store.used([calls, tokens]) == [Decimal(1), Decimal(120)]
        refused = store.reserve([calls, tokens])
        assert refused.refused == 1 and refused.used == [Decimal(120)]  # tokens are past their limit
        assert store.used([calls])[0] == Decimal(1)  # and the call was not counted
        assert client.ttl(calls.key) > 0  # the key goes a day after its window
    finally:
        client.delete(calls.key, tokens.key)
