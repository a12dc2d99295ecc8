"""Alarms that end a blocked read on time.

httpx's read timeout restarts with every byte, so a server that trickles a byte at a time, or a stream of
keep-alive comments, is never stopped by it. An ``Alarm`` is armed with a time; when that time comes, one shared
watchdog thread shuts the response's socket down, so the read blocked in another thread returns at once and
the transport reports which limit was reached. Re-arming for a later time (each stream event) only moves the
alarm's time: the watchdog finds it moved when the earlier time comes, and waits again.
"""

from __future__ import annotations

import heapq
import itertools
import socket
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from typing import Any


class _Watchdog:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.heap: list[tuple[float, int, Alarm]] = []
        self.condition = threading.Condition()
        self.counter = itertools.count()
        self.thread: threading.Thread | None = None

    def schedule(self, when: float, alarm: Alarm) -> None:
        with self.condition:
            wake = not self.heap or when < self.heap[0][0]
            heapq.heappush(self.heap, (when, next(self.counter), alarm))
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name="provider-deadlines", daemon=True)
                self.thread.start()
            elif wake:
                self.condition.notify()

    def _run(self) -> None:
        while True:
            with self.condition:
                while not self.heap:
                    self.condition.wait()
                when, _, alarm = self.heap[0]
                wait = when - self.clock()
                if wait > 0:
                    self.condition.wait(wait)
                    continue
                heapq.heappop(self.heap)
            alarm.ring(when)


_WATCHDOG = _Watchdog()


class Alarm:
    """Shuts ``sock`` down at the armed time, unless re-armed or disarmed first. ``reason`` says which limit."""

    def __init__(self, sock: Any, clock: Callable[[], float] = time.monotonic) -> None:
        self.sock = sock
        self.clock = clock
        self.when: float | None = None
        self.reason = ""
        self.rang = ""
        self._scheduled: float | None = None  # the earliest time the watchdog holds for this alarm
        self._lock = threading.Lock()

    def arm(self, when: float, reason: str) -> None:
        """Ring at ``when`` (``time.monotonic()`` time), for ``reason``; replaces any earlier arming."""
        with self._lock:
            if self.rang:
                return
            self.when, self.reason = when, reason
            if self._scheduled is not None and self._scheduled <= when:
                return
            self._scheduled = when
        _WATCHDOG.schedule(when, self)

    def disarm(self) -> None:
        with self._lock:
            self.when = None

    def ring_now(self, reason: str) -> None:
        """Ring at once, from any thread (the reader stopped: ``Transport.cancel``)."""
        with self._lock:
            if self.rang:
                return
            self.rang = reason
        self._shutdown()

    def ring(self, scheduled: float) -> None:
        with self._lock:
            if self._scheduled == scheduled:
                self._scheduled = None
            if self.when is None or self.rang:
                return
            if self.when > self.clock():  # re-armed for later: wait again
                later = self._scheduled = self.when
            else:
                later = None
                self.rang = self.reason
        if later is not None:
            _WATCHDOG.schedule(later, self)
            return
        self._shutdown()

    def _shutdown(self) -> None:
        if self.sock is None:
            return
        with suppress(OSError):
            # The plain socket's shutdown, also under TLS: it wakes the reader without touching the TLS state.
            socket.socket.shutdown(self.sock, socket.SHUT_RDWR)


class NoAlarm(Alarm):
    """For a response without a socket we can reach (a mocked transport): limits are checked between reads."""

    def __init__(self) -> None:
        super().__init__(None)

    def arm(self, when: float, reason: str) -> None:
        self.when, self.reason = when, reason


def alarm_for(network_stream: Any) -> Alarm:
    sock = network_stream.get_extra_info("socket") if network_stream is not None else None
    return Alarm(sock) if isinstance(sock, socket.socket) else NoAlarm()
