"""A stream read in a thread of its own, with a tick whenever it is silent for a while.

A reader that writes each delta on to a client (the playground's page) learns that its client went away only
when it writes. While the model is silent (a stalled provider, a long think without keep-alives), nothing is
written, so a Stop is noticed only when the provider sends again, or at the read timeout, minutes later.
``ticking`` reads the stream in a helper thread and hands its items over; after ``every`` seconds without one it
yields ``tick`` instead, which the reader writes as a keep-alive. When the reader stops, ``cancel`` ends the
read blocked in the helper thread at once (``Transport.cancel``), and the helper closes the stream.

The helper thread only reads: anything that needs the reader's thread (the database) stays with the reader.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Generator, Iterator
from typing import TypeVar

T = TypeVar("T")
_END = object()
JOIN_SECONDS = 1.0  # how long a stopped reader waits for the helper to close the stream


def ticking(items: Iterator[T], *, every: float, tick: T, cancel: Callable[[], None]) -> Generator[T, None, None]:
    """``items`` as they come, with ``tick`` after each ``every`` seconds of silence; errors are re-raised here."""
    handoff: queue.SimpleQueue[tuple[bool, object]] = queue.SimpleQueue()
    stopped = threading.Event()

    def pump() -> None:
        try:
            for item in items:
                if stopped.is_set():
                    break
                handoff.put((True, item))
            handoff.put((True, _END))
        except BaseException as exc:  # handed to the reader, which raises it
            handoff.put((False, exc))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    helper = threading.Thread(target=pump, name="stream-reader", daemon=True)
    helper.start()
    try:
        while True:
            try:
                ok, item = handoff.get(timeout=every)
            except queue.Empty:
                yield tick
                continue
            if not ok:
                assert isinstance(item, BaseException)
                raise item
            if item is _END:
                return
            yield item  # type: ignore[misc]
    finally:
        if helper.is_alive():  # the reader stopped first: end the read, let the helper close the stream
            stopped.set()
            cancel()
            helper.join(JOIN_SECONDS)
