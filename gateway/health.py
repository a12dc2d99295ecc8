"""Which deployments are cooling down, and the gateway's per-key request and token windows: state every process
serving ``/v1`` must share.

With ``GATEWAY_REDIS_URL`` (by default the quotas' Redis, ``QUOTA_REDIS_URL``) the state is in Redis, so several
processes and machines see one another's cooldowns and count one another's requests; without it, on the embedded
default (one process), in this process's memory. A cooldown is a key that expires by itself (``SET … PX``); a
window is a sorted set of the last minute's requests, read and added to in one Lua script, so two processes can
never both take the last request of a window.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings

from core.redis import redis_client

WINDOW_SECONDS = 60.0
logger = logging.getLogger(__name__)


def now() -> float:
    """The Unix time: the same on every machine that shares the state."""
    return time.time()


@dataclass(frozen=True)
class Cooling:
    """A deployment left out until ``until`` (a Unix time), and why (an error type: ``rate_limited`` …)."""

    until: float
    reason: str

    @property
    def remaining(self) -> float:
        return max(0.0, self.until - now())


class Store(Protocol):
    def cooling(self, ids: Sequence[int]) -> dict[int, Cooling]: ...

    def cool(self, deployment_id: int, seconds: float, reason: str) -> None: ...

    def recover(self, deployment_id: int) -> None: ...

    def take(self, name: str, limit: int, amount: int = 1) -> float | None:
        """While the window ``name`` holds less than ``limit``, count ``amount`` in it (0: only look) and return
        None; else the seconds until it holds less."""
        ...

    def add(self, name: str, amount: int) -> None:
        """Count ``amount`` in the window ``name`` whatever its limit (tokens, known once a reply has ended)."""
        ...


class MemoryStore:
    """One process's state, for the embedded default."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cooling: dict[int, Cooling] = {}
        self._windows: dict[str, deque[tuple[float, int]]] = {}

    def cooling(self, ids: Sequence[int]) -> dict[int, Cooling]:
        at = now()
        found = {i: self._cooling[i] for i in ids if i in self._cooling}
        return {i: c for i, c in found.items() if c.until > at}

    def cool(self, deployment_id: int, seconds: float, reason: str) -> None:
        with self._lock:
            self._cooling[deployment_id] = Cooling(now() + seconds, reason)

    def recover(self, deployment_id: int) -> None:
        with self._lock:
            self._cooling.pop(deployment_id, None)

    def _window(self, name: str, at: float) -> deque[tuple[float, int]]:
        window = self._windows.setdefault(name, deque())
        while window and window[0][0] <= at - WINDOW_SECONDS:
            window.popleft()
        return window

    def take(self, name: str, limit: int, amount: int = 1) -> float | None:
        at = now()
        with self._lock:
            window = self._window(name, at)
            used = sum(n for _, n in window)
            if used >= limit:
                return _wait(window, used - limit + 1, at)
            if amount:
                window.append((at, amount))
            return None

    def add(self, name: str, amount: int) -> None:
        if amount:
            at = now()
            with self._lock:
                self._window(name, at).append((at, amount))


def _wait(entries: Sequence[tuple[float, int]], excess: int, at: float) -> float:
    """Seconds until the oldest entries holding ``excess`` have left the window."""
    freed = 0
    for entry, amount in entries:
        freed += amount
        if freed >= excess:
            return max(0.001, entry + WINDOW_SECONDS - at)
    return WINDOW_SECONDS


# KEYS[1]: the window's sorted set (member "<time>:<amount>:<unique>", score: the time in ms).
# ARGV: now (ms), window (ms), limit, amount, a unique id. Returns 0 when counted (or, amount 0, when there is
# room), else the milliseconds until there is.
TAKE = """
local now, span, limit, amount = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - span)
local entries = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local used = 0
for i = 1, #entries, 2 do
  used = used + tonumber(string.match(entries[i], ':(%d+):'))
end
if used >= limit then
  local excess, freed = used - limit + 1, 0
  for i = 1, #entries, 2 do
    freed = freed + tonumber(string.match(entries[i], ':(%d+):'))
    if freed >= excess then
      return math.max(1, tonumber(entries[i + 1]) + span - now)
    end
  end
  return span
end
if amount > 0 then
  redis.call('ZADD', KEYS[1], now, ARGV[1] .. ':' .. amount .. ':' .. ARGV[5])
  redis.call('PEXPIRE', KEYS[1], span)
end
return 0
"""


class RedisStore:
    """State shared by every process and machine using the same Redis.

    When Redis does not answer, the gateway goes on serving without it rather than failing every request: no
    deployment is taken as cooling down, a cooldown or a count is lost, and the limits let requests through (a
    warning says so, at most every ``WARN_EVERY`` seconds; ``/readyz`` reports Redis unreachable)."""

    WARN_EVERY = 10.0

    def __init__(self, url: str, prefix: str) -> None:
        import redis

        self.client = redis_client(url)
        self.prefix = prefix
        self.script = self.client.register_script(TAKE)
        self.errors: tuple[type[Exception], ...] = (redis.RedisError, OSError)
        self._warned = 0.0

    def _unavailable(self, error: Exception) -> None:
        if time.monotonic() - self._warned >= self.WARN_EVERY:
            self._warned = time.monotonic()
            logger.warning("the gateway's Redis does not answer (%s): serving without cooldowns and limits", error)

    def _cooling_key(self, deployment_id: int) -> str:
        return f"{self.prefix}cool:{deployment_id}"

    def cooling(self, ids: Sequence[int]) -> dict[int, Cooling]:
        if not ids:
            return {}
        try:
            values: list[Any] = list(self.client.mget([self._cooling_key(i) for i in ids]))  # type: ignore[arg-type]
        except self.errors as error:
            self._unavailable(error)
            return {}
        found = {}
        for deployment_id, value in zip(ids, values, strict=True):
            if value is not None:
                data = json.loads(value)
                found[deployment_id] = Cooling(float(data["until"]), str(data["reason"]))
        return found

    def cool(self, deployment_id: int, seconds: float, reason: str) -> None:
        value = json.dumps({"until": now() + seconds, "reason": reason})
        try:
            self.client.set(self._cooling_key(deployment_id), value, px=max(1, int(seconds * 1000)))
        except self.errors as error:
            self._unavailable(error)

    def recover(self, deployment_id: int) -> None:
        try:
            self.client.delete(self._cooling_key(deployment_id))
        except self.errors as error:
            self._unavailable(error)

    def take(self, name: str, limit: int, amount: int = 1) -> float | None:
        at = int(now() * 1000)
        span = int(WINDOW_SECONDS * 1000)
        args = [at, span, limit, amount, uuid.uuid4().hex]
        try:
            wait = int(self.script(keys=[f"{self.prefix}window:{name}"], args=args))  # type: ignore[arg-type]
        except self.errors as error:
            self._unavailable(error)
            return None
        return wait / 1000 if wait else None

    def add(self, name: str, amount: int) -> None:
        if amount:
            self.take(name, 2**53, amount)


@functools.cache
def _redis(url: str, prefix: str) -> RedisStore:
    return RedisStore(url, prefix)


_memory = MemoryStore()


def store() -> Store:
    url = settings.GATEWAY_REDIS_URL
    return _redis(url, settings.GATEWAY_REDIS_PREFIX) if url else _memory


def reset_memory() -> None:
    """Forget this process's cooldowns and windows (tests)."""
    global _memory
    _memory = MemoryStore()
