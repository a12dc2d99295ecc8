"""The Redis on this machine, for the tests that need one: with CI=true a missing Redis is a failure; elsewhere
those tests skip and say why."""

from __future__ import annotations

import os
from typing import Any

import pytest

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/9")


def redis_or_skip(url: str = REDIS_URL) -> Any:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true requires Redis at {url}: {exc}")
        pytest.skip(f"no Redis at {url} ({exc}); set CI=true to require it")
    return client
