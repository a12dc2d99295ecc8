"""Work for after the response: a Celery task queued on the broker, or, with none (the embedded default, where
Celery runs tasks eagerly, inline), run in a small thread pool of this process, so that the request that asked
for it does not wait (a conversation's title is a second model call: it used to double the first reply's time).

``BACKGROUND_THREADS=false`` runs it inline instead (the tests). Work in a thread closes its own database
connection when done; it is lost if the process stops first, which for a title only means the first message stays.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.db import connections, transaction

logger = logging.getLogger(__name__)
WORKERS = 2
_pool: ThreadPoolExecutor | None = None


def _executor() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="background")
    return _pool


def _run(task: Any, args: tuple[Any, ...]) -> None:
    try:
        task.apply(args=args)
    except Exception:  # a failure here must not be lost silently, nor reach anyone's response
        logger.exception("background task %s failed", getattr(task, "name", task))
    finally:
        connections.close_all()


def run_later(task: Any, *args: Any) -> None:
    """Run ``task`` with ``args`` once the current transaction commits, without holding the response."""

    def start() -> None:
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            task.delay(*args)
        elif settings.BACKGROUND_THREADS:
            _executor().submit(_run, task, args)
        else:
            task.apply(args=args)

    transaction.on_commit(start)
