"""``core.streams.iterate_in_thread``: a sync stream read in one thread, handed to an async reader."""

from __future__ import annotations

import asyncio
import threading

import pytest

from core.streams import iterate_in_thread


def test_every_chunk_arrives_in_order_and_the_stream_is_closed_in_its_own_thread():
    threads: set[int] = set()
    closed_in: list[int] = []

    def chunks():
        try:
            for index in range(200):
                threads.add(threading.get_ident())
                yield index
        finally:
            closed_in.append(threading.get_ident())

    async def read() -> list[int]:
        return [chunk async for chunk in iterate_in_thread(chunks())]

    assert asyncio.run(read()) == list(range(200))
    assert len(threads) == 1 and closed_in == list(threads) and threading.get_ident() not in threads


def test_an_error_in_the_stream_reaches_the_reader_after_what_came_before():
    def chunks():
        yield "a"
        raise ValueError("upstream broke")

    async def read(seen: list[str]) -> None:
        async for chunk in iterate_in_thread(chunks()):
            seen.append(chunk)

    seen: list[str] = []
    with pytest.raises(ValueError, match="upstream broke"):
        asyncio.run(read(seen))
    assert seen == ["a"]


def test_a_reader_that_stops_early_has_the_stream_closed_before_it_goes_on():
    closed = threading.Event()

    def chunks():
        try:
            while True:
                yield "tick"
        finally:
            closed.set()

    async def read_two() -> None:
        stream = iterate_in_thread(chunks())
        async for _chunk in stream:
            break
        await stream.aclose()  # what Django does with a response body it stops reading
        assert closed.is_set()

    asyncio.run(read_two())


def test_a_slow_reader_holds_the_stream_back(monkeypatch):
    import core.streams

    monkeypatch.setattr(core.streams, "AHEAD", 3)
    made: list[int] = []

    def chunks():
        for index in range(10):
            made.append(index)
            yield index

    async def read_one_then_wait() -> list[int]:
        stream = iterate_in_thread(chunks())
        first = await stream.__anext__()
        await asyncio.sleep(0.2)
        ahead = len(made)
        rest = [chunk async for chunk in stream]
        return [first, ahead, *rest]

    first, ahead, *rest = asyncio.run(read_one_then_wait())
    assert first == 0 and rest == list(range(1, 10))
    assert ahead <= 5  # the one read, three waiting, and the one being made


def test_the_stream_is_read_in_the_language_the_view_activated():
    """The view runs in one pooled thread, its body in another: the language goes with the request's context."""
    from asgiref.sync import sync_to_async
    from django.utils import translation

    def languages():
        yield translation.get_language()

    async def serve() -> list[str]:
        await sync_to_async(translation.activate, thread_sensitive=False)("zh-hans")  # as LocaleMiddleware does
        return [chunk async for chunk in iterate_in_thread(languages())]

    try:
        assert asyncio.run(serve()) == ["zh-hans"]
    finally:
        translation.deactivate()
