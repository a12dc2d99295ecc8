"""SQLite, the embedded default: WAL mode set once per process, and kept between requests."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sqlite_file() -> str:
    if connection.vendor != "sqlite" or connection.is_in_memory_db():
        pytest.skip("SQLite on a file only: this run's database is " + connection.vendor)
    return str(connection.settings_dict["NAME"])


def test_the_database_is_in_wal_mode_and_new_connections_do_not_ask_again(sqlite_file, django_assert_num_queries):
    from core.receivers import _in_wal

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
    assert sqlite_file in _in_wal
    init = connection.settings_dict["OPTIONS"].get("init_command", "")
    assert "journal_mode" not in init  # asked per connection it takes a lock, and waits behind any writer


def test_the_wal_stays_when_every_request_connection_has_closed(sqlite_file):
    """The last connection to close would checkpoint and delete the WAL, under an exclusive lock that makes the
    next request's first query sleep in SQLite's busy handler; the process's idle keeper connection prevents it."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS wal_probe (x)")
        cursor.execute("INSERT INTO wal_probe VALUES (1)")
        cursor.execute("DROP TABLE wal_probe")
    connection.close()
    assert Path(sqlite_file + "-wal").exists()
