"""The threads that serve requests under ASGI: a fixed pool, reused, instead of a new thread per request.

Django's ASGI handler runs each request's synchronous work in a thread of its own, made for the request and
joined after it (asgiref's ``ThreadSensitiveContext``). Profiled under load (``bench/load.py``), starting and
stopping those threads, with the futures around them, cost more CPU than the request's own work. Here a pool
of ``ASGI_THREADS`` threads serves every request (``config.asgi``) and every streamed body
(``core.streams``): a thread, and its database connection, serve request after request.

``ASGI_THREADS`` bounds how many requests a process works on at once: a blocking provider call or a stream
holds its thread until it ends, and the requests past it wait for a thread.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from functools import wraps
from typing import Any, TypeVar

from django.conf import settings
from django.db import close_old_connections

T = TypeVar("T")
_pool: ThreadPoolExecutor | None = None


def request_threads() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=settings.ASGI_THREADS, thread_name_prefix="request")
    return _pool


def in_request_thread(function: Callable[..., T]) -> Callable[..., T]:
    """``function`` as a request thread runs it: with the checks Django's request signals make of the thread's
    database connections (closed past ``CONN_MAX_AGE`` or after an error) before and after."""

    @wraps(function)
    def run(*args: Any, **kwargs: Any) -> T:
        close_old_connections()
        try:
            return function(*args, **kwargs)
        finally:
            close_old_connections()

    return run


def hop(function: Callable[..., T]) -> Callable[..., Awaitable[T]]:
    """``function`` in a request thread, as Django's handler runs a view, with the context copied;
    ``loop.run_in_executor`` without asgiref's bookkeeping around it (a third less CPU a hop, measured). The ASGI
    fast paths (``playground.fast``, ``gateway.asgi``) do their database work in these hops."""
    run = in_request_thread(function)

    async def hopped(*args: Any) -> T:
        context = contextvars.copy_context()
        return await asyncio.get_running_loop().run_in_executor(request_threads(), context.run, run, *args)

    return hopped


def hop_in_language(function: Callable[..., T]) -> Callable[..., Awaitable[T]]:
    """``hop``, with the language active where it is awaited also active in the thread (Django's translation
    state does not travel with the copied context)."""
    from django.utils import translation

    language = translation.get_language()

    @wraps(function)
    def localized(*args: Any) -> T:
        with translation.override(language):
            return function(*args)

    return hop(localized)
