"""What the policy and quota checks add to a chat call (issue 13), as a ratio to the same call without them.

    .venv/bin/python -m bench.access_overhead [--calls 500] [--redis redis://127.0.0.1:6379/9]

In one process, against the fake provider on loopback, on a throw-away SQLite database, interleaved call by call
through ``calls.services.chat``:

- no check: the call has no user (a command's), so no grant is looked at and no quota counts it;
- grant: a user with a grant and no quota: the policy check and the quota lookup, both cached in-process;
- grant + calls quota (database): the same with a daily calls quota: one counter upsert before the call and one
  read after it (the warning share);
- grant + calls quota (Redis): the counter in Redis, with ``--redis`` (skipped, saying why, when it is not
  reachable).

It also times the cached checks alone (``access_require`` and the quota lookup, no call), inside one cache scope
as a request's are (the scope's one read of the cache versions is the request's, with or without checks). The
goal: the cached check adds under 0.2 ms per call.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable

from .service_overhead import _setup_django

GOAL_MS = 0.2


def _ms(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def _redis_reachable(url: str) -> str | None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        return f"no Redis at {url} ({type(exc).__name__})"
    return None


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=500, help="calls per side (500)")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/9", help="Redis for the last side ('' skips)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        _setup_django(f"{tmp}/bench.sqlite3")
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from access.counters import _redis
    from access.models import Grant, Metric, Quota, Window
    from access.selectors import quotas_for
    from access.services import access_require
    from calls import call_log
    from calls.services import chat
    from core.cache import scope
    from credentials.services import credential_save
    from fakeprovider import running_fake_server
    from providers.models import Provider
    from wire.types import Message

    settings.CACHE_SECRETS_SECONDS = 3600
    users = get_user_model().objects
    granted, quoted, redis_user = (users.create_user(username=name) for name in ("granted", "quoted", "redis"))
    messages = [Message("user", "hi")]
    redis_problem = _redis_reachable(args.redis) if args.redis else "--redis ''"
    with running_fake_server() as server:
        credential = credential_save(
            provider=Provider.objects.get(slug="openai_compatible"),
            name="bench",
            values={"base_url": server.url + "/v1", "api_key": "sk-bench-0000000000000000"},
        )
        for user in (granted, quoted, redis_user):
            Grant.objects.create(user=user, credential=credential)
        limit = args.calls * 10
        for user in (quoted, redis_user):
            Quota.objects.create(user=user, metric=Metric.CALLS, window=Window.DAY, limit=limit)

        def call(user: object, redis: bool = False) -> Callable[[], object]:
            def run() -> object:
                settings.QUOTA_REDIS_URL = args.redis if redis else ""
                with scope():  # as a request does: the cache versions are read once
                    return chat(messages=messages, credential=credential, model="echo-1", user=user).content

            return run

        sides = {
            "no check (no user)": call(None),
            "grant, no quota": call(granted),
            "grant + calls quota (database)": call(quoted),
        }
        if redis_problem is None:
            _redis(args.redis)
            sides["grant + calls quota (Redis)"] = call(redis_user, redis=True)
        for fn in sides.values():  # warm up: connections, caches, the secret
            for _ in range(20):
                fn()
        samples: dict[str, list[float]] = {name: [] for name in sides}
        for _ in range(args.calls):
            for name, fn in sides.items():
                samples[name].append(_ms(fn))
        call_log.flush()

        def checks() -> None:
            access_require(user=granted, credential=credential, model="echo-1", model_type="llm")
            quotas_for(granted, credential.pk)

        with scope():  # inside a request, whose cache versions are already read
            for _ in range(200):
                checks()
            alone = sorted(_ms(checks) for _ in range(5000))
    _print(args, samples, alone, redis_problem)
    return 0


def _print(args: argparse.Namespace, samples: dict[str, list[float]], alone: list[float], skipped: str | None) -> None:
    base = statistics.median(samples["no check (no user)"])
    print(f"{args.calls} chat calls per side, interleaved, fake provider on loopback, SQLite\n")
    print(f"{'':34} {'median ms':>10} {'added ms':>9} {'ratio':>6}")
    for name, values in samples.items():
        median = statistics.median(values)
        print(f"{name:34} {median:10.3f} {median - base:9.3f} {median / base:6.2f}x")
    if skipped:
        print(f"{'grant + calls quota (Redis)':34} skipped: {skipped}")
    check = statistics.median(alone)
    added = statistics.median(samples["grant, no quota"]) - base
    print(
        f"\nthe cached checks alone: {check * 1000:.1f} µs median (p99 {alone[int(len(alone) * 0.99)] * 1000:.1f} µs)"
    )
    met = "met" if max(check, added) < GOAL_MS else "NOT met"
    print(
        f"[{met}] the cached policy and quota check adds under {GOAL_MS} ms per call: "
        f"{check:.3f} ms alone, {added:.3f} ms in a call ({added / base * 100:+.1f}%)"
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
