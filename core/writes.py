"""Database writes that outlast a busy moment.

On SQLite one writer works at a time; the others wait for the busy timeout (``SQLITE_BUSY_TIMEOUT``) and then
fail with "database is locked". Under load, on a busy machine, that wait can run out, and the write that failed
was typically the one after a successful provider call: the reply was lost and the user got a 500. Such writes
go through ``write_retrying``: a locked database is tried again, a few times, with a growing pause; any other
error, or a lock that outlasts every try, propagates for the caller to handle (a reply is then returned unstored,
and the failure is logged). The write must be a whole transaction of its own (``transaction.atomic`` inside the
function), or nothing at all, so that trying it again is safe.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from django.db import OperationalError

logger = logging.getLogger(__name__)
T = TypeVar("T")
ATTEMPTS = 5
FIRST_PAUSE = 0.05  # seconds; doubled after each try


def database_locked(error: BaseException) -> bool:
    """SQLite's "database is locked" (or "database table is locked"): another writer held on too long."""
    return isinstance(error, OperationalError) and "locked" in str(error).lower()


def write_retrying(
    write: Callable[[], T], *, attempts: int = ATTEMPTS, sleep: Callable[[float], None] = time.sleep
) -> T:
    """``write()``, tried again while the database is locked, up to ``attempts`` times in all."""
    for attempt in range(1, attempts + 1):
        try:
            return write()
        except OperationalError as error:
            if not database_locked(error) or attempt == attempts:
                raise
            logger.warning("database locked, trying the write again (%d of %d)", attempt + 1, attempts)
            sleep(FIRST_PAUSE * 2 ** (attempt - 1))
    raise AssertionError("unreachable")
