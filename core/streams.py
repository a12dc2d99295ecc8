"""A synchronous stream served to an asynchronous reader, with one thread hop for the whole stream."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from typing import TypeVar

from asgiref.sync import sync_to_async

from .threads import in_request_thread, request_threads

T = TypeVar("T")
_END = object()
AHEAD = 256  # chunks made and not yet read, at most: a slow reader slows the stream instead of filling memory


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


async def iterate_in_thread(chunks: Iterator[T]) -> AsyncIterator[T]:
    """Yield ``chunks`` as its thread makes them.

    One hop to a request thread (``core.threads``) reads the whole iterator, so that the database work in it
    keeps its thread and connection, and hands each chunk to the event loop (``call_soon_threadsafe``) instead
    of a hop per chunk, at most ``AHEAD`` chunks ahead of the reader.
    When the reader stops early (a client gone: Django cancels the response), the thread closes the iterator
    after the chunk in progress, in its own thread as a generator requires, and the reader waits for that, so
    that what the close records is done when the response is. The iterator should yield now and then while
    its source is silent (the playground's ticks) for a reader gone to be noticed soon.
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[object] = asyncio.Queue()
    gone = threading.Event()
    room = threading.Semaphore(AHEAD)

    def put(item: object) -> None:
        loop.call_soon_threadsafe(queue.put_nowait, item)

    def drain() -> None:
        try:
            for chunk in chunks:
                while not room.acquire(timeout=0.25):
                    if gone.is_set():
                        break
                if gone.is_set():
                    break
                put(chunk)
        except BaseException as exc:  # handed to the reader, who raises it
            put(_Failed(exc))
        finally:
            try:
                getattr(chunks, "close", lambda: None)()
            finally:
                put(_END)

    read = sync_to_async(in_request_thread(drain), thread_sensitive=False, executor=request_threads())
    reading = asyncio.ensure_future(read())
    try:
        while (item := await queue.get()) is not _END:
            if isinstance(item, _Failed):
                raise item.error
            room.release()
            yield item  # type: ignore[misc]
    finally:
        gone.set()
        await asyncio.shield(reading)
