"""Write CallLog rows off the request path.

Rows are queued in memory and inserted in batches by one daemon thread with its own database connection, so a
reply never waits for the log write. ``flush()`` waits for the queue to drain; it runs at interpreter exit, and
commands and tests call it when they need the rows. With ``CALL_LOG_ASYNC = False`` rows are written inline.
"""

from __future__ import annotations

import atexit
import functools
import logging
import queue
import threading
import time

from django.conf import settings
from django.db import close_old_connections, connection, transaction

from calls.models import CallLog
from core.writes import insert_many, write_retrying

logger = logging.getLogger(__name__)
BATCH = 500
WINDOW = 0.25  # seconds
_queue: queue.Queue[CallLog] = queue.Queue()
_lock = threading.Lock()
_thread: threading.Thread | None = None


def write(row: CallLog) -> None:
    if not settings.CALL_LOG_ASYNC:
        write_retrying(lambda: row.save(force_insert=True))
        return
    _ensure_thread()
    _queue.put(row)


def flush(timeout: float = 10.0) -> None:
    """Block until every queued row is in the database (or ``timeout`` passes)."""
    if _thread is None:
        return
    done = threading.Event()

    def wait_for_queue() -> None:
        _queue.join()
        done.set()

    threading.Thread(target=wait_for_queue, daemon=True).start()
    if not done.wait(timeout):
        logger.warning("call log flush timed out with %d rows still queued", _queue.qsize())


def _ensure_thread() -> None:
    global _thread
    if _thread is None or not _thread.is_alive():
        with _lock:
            if _thread is None or not _thread.is_alive():
                _thread = threading.Thread(target=_run, name="call-log-writer", daemon=True)
                _thread.start()
                atexit.register(flush)


@transaction.atomic
def _insert(rows: list[CallLog]) -> None:
    insert_many(rows)


def _run() -> None:
    while True:
        rows = [_queue.get()]
        # Gather for a moment: one insert per window instead of one per call keeps the writer off the GIL.
        time.sleep(WINDOW)
        while len(rows) < BATCH:
            try:
                rows.append(_queue.get_nowait())
            except queue.Empty:
                break
        try:
            close_old_connections()
            write_retrying(functools.partial(_insert, rows))
        except Exception:  # the writer must survive a bad batch; the rows are lost, and that is logged
            logger.exception("could not write %d call log rows", len(rows))
        finally:
            if _queue.empty():
                connection.close()  # idle: hold no connection (a database can then be dropped or restarted)
            for _ in rows:
                _queue.task_done()
