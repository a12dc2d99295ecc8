"""The one place that builds Redis clients: the quotas' counters (``access.counters``), the gateway's cooldowns
and rate windows (``gateway.health``) and the readiness check (``gateway.ops``) share a client, and its
connection pool, per URL in each process."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import redis

TIMEOUT_SECONDS = 2  # to connect and for each command: a Redis that does not answer fails fast


@functools.cache
def redis_client(url: str) -> redis.Redis:
    import redis  # here: a process on the embedded default never loads it

    return redis.Redis.from_url(url, socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS)
