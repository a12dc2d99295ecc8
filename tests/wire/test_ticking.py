"""``wire.ticking``: a stream read in a helper thread, ticking while it is silent, stoppable at once."""

from __future__ import annotations

import threading
import time

import pytest

from wire.ticking import ticking

TICK = "tick"


def test_items_pass_in_order_with_ticks_while_silent():
    go_on = threading.Event()

    def items():
        yield "a"
        go_on.wait(5)
        yield "b"

    stream = ticking(items(), every=0.05, tick=TICK, cancel=go_on.set)
    assert next(stream) == "a"
    assert [next(stream), next(stream)] == [TICK, TICK]  # silent: ticks, one each 0.05 s
    go_on.set()
    rest = list(stream)
    assert [item for item in rest if item != TICK] == ["b"]


def test_an_error_in_the_stream_is_raised_to_the_reader():
    def items():
        yield "a"
        raise ValueError("broken")

    stream = ticking(items(), every=1, tick=TICK, cancel=lambda: None)
    assert next(stream) == "a"
    with pytest.raises(ValueError, match="broken"):
        next(stream)


def test_a_reader_that_stops_cancels_the_blocked_read_and_the_stream_is_closed():
    unblock = threading.Event()
    closed = threading.Event()

    def items():
        try:
            yield "a"
            unblock.wait(30)  # a read blocked until cancel() ends it
            yield "never read"
        finally:
            closed.set()

    stream = ticking(items(), every=0.05, tick=TICK, cancel=unblock.set)
    assert next(stream) == "a"
    assert next(stream) == TICK
    started = time.monotonic()
    stream.close()
    assert unblock.is_set() and closed.wait(1)
    assert time.monotonic() - started < 1


def test_a_stream_that_ends_needs_no_cancel():
    cancelled = []
    assert list(ticking(iter(["a", "b"]), every=1, tick=TICK, cancel=lambda: cancelled.append(1))) == ["a", "b"]
    assert cancelled == []
