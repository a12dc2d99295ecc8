"""Database connections around waits that need none."""

from __future__ import annotations

from django.db import connections


def release_pooled_connections() -> None:
    """Give this thread's pooled database connections back to their pool (PostgreSQL with ``DATABASE_POOL``)
    before a wait that uses none: a provider call, which takes seconds. Otherwise every call in flight would
    hold a connection, and a process could never have more calls in flight than its pool has connections. The
    next query takes one again, from the pool. A connection in a transaction, or one that is not pooled (SQLite
    keeps its own), is left as it is."""
    for connection in connections.all(initialized_only=True):
        pooled = getattr(connection, "pool", None) is not None
        if pooled and connection.connection is not None and not connection.in_atomic_block:
            connection.close()
