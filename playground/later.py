"""Work for after the response: a Celery task queued on the broker, or, with none (the embedded default, where
Celery runs tasks eagerly, inline), run in a small thread pool of this process, so that the request that asked
for it does not wait (a conversation's title is a second model call: it used to double the first reply's time).

``BACKGROUND_THREADS=false`` runs it inline instead (the tests). Work in a thread closes its own database
connection when done; it is lost if the process stops first, which for a title only means the first message stays.
At most ``BACKLOG`` pieces of work wait for a thread: past that (a burst of new conversations, a slow title model)
new work is dropped and logged, so that memory, threads and database connections stay bounded under load.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.db import connections, transaction

from core.cache import scope as cache_scope

logger = logging.getLogger(__name__)
WORKERS = 2
BACKLOG = 200
_pool: ThreadPoolExecutor | None = None
_waiting = threading.BoundedSemaphore(BACKLOG)


def _executor() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="background")
    return _pool


def _run(task: Any, args: tuple[Any, ...]) -> None:
    _waiting.release()
    try:
        with cache_scope():
            task.apply(args=args)
    except Exception:  # a failure here must not be lost silently, nor reach anyone's response
        logger.exception("background task %s failed", getattr(task, "name", task))
    finally:
        connections.close_all()


def _submit(task: Any, args: tuple[Any, ...]) -> None:
    if not _waiting.acquire(blocking=False):
        logger.warning("background task %s dropped: %d are waiting already", getattr(task, "name", task), BACKLOG)
        return
    _executor().submit(_run, task, args)


def run_later(task: Any, *args: Any) -> None:
    """Run ``task`` with ``args`` once the current transaction commits, without holding the response."""

    def start() -> None:
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            task.delay(*args)
        elif settings.BACKGROUND_THREADS:
            _submit(task, args)
        else:
            task.apply(args=args)

    transaction.on_commit(start)
