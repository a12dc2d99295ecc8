"""Writes that outlast a locked SQLite database: tried again a few times; other errors are not retried."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, OperationalError

from core.writes import ATTEMPTS, database_locked, write_retrying


def _failing(times: int, error: Exception):
    calls = []

    def write() -> str:
        calls.append(1)
        if len(calls) <= times:
            raise error
        return "written"

    return write, calls


def test_a_locked_database_is_tried_again_with_growing_pauses():
    pauses: list[float] = []
    write, calls = _failing(2, OperationalError("database is locked"))
    assert write_retrying(write, sleep=pauses.append) == "written"
    assert len(calls) == 3 and pauses == [0.05, 0.1]


def test_a_lock_that_outlasts_every_try_propagates():
    write, calls = _failing(99, OperationalError("database table is locked"))
    with pytest.raises(OperationalError):
        write_retrying(write, sleep=lambda _s: None)
    assert len(calls) == ATTEMPTS


@pytest.mark.parametrize("error", [OperationalError("no such table: x"), IntegrityError("UNIQUE constraint failed")])
def test_other_errors_are_not_tried_again(error):
    write, calls = _failing(1, error)
    with pytest.raises(type(error)):
        write_retrying(write, sleep=lambda _s: None)
    assert len(calls) == 1 and not database_locked(error)
