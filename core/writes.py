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
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import OperationalError, connections, router
from django.db.models import Field, Model, sql
from django.db.models.signals import post_save, pre_save

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


# --- New rows, their statement compiled once ----------------------------------------------------------------------
# Profiled under load, ``Model.save`` of a playground message spent most of its time compiling the same INSERT
# again (``SQLInsertCompiler.as_sql``), and the call log writer's ``bulk_create`` every value of every row.
# ``insert`` and ``insert_many`` compile it once per model, column set and database, then only prepare each
# field's value as the compiler does (``pre_save``, ``get_db_prep_save``).
_statements: dict[tuple[type[Model], bool, bool, str], tuple[str, list[Field], list[Field]]] = {}


def insert(instance: Model) -> None:
    """``instance.save(force_insert=True)`` for a model without save signals' receivers (else it is that)."""
    model = type(instance)
    if pre_save.has_listeners(model) or post_save.has_listeners(model):
        instance.save(force_insert=True)
        return
    alias = router.db_for_write(model, instance=instance)
    connection = connections[alias]
    statement, fields, returning = _compiled(instance, alias, pk_set=instance.pk is not None, returning=True)
    with connection.cursor() as cursor:
        cursor.execute(statement, _values(instance, fields, connection))
        if returning and connection.features.can_return_columns_from_insert:
            values = connection.ops.fetch_returned_insert_columns(cursor, [])
        elif returning:
            values = (connection.ops.last_insert_id(cursor, model._meta.db_table, model._meta.pk.column),)
        else:
            values = ()
    for field, value in zip(returning, values, strict=False):
        setattr(instance, field.attname, value)
    instance._state.adding, instance._state.db = False, alias


def insert_many(instances: Sequence[Model]) -> None:
    """New rows of one model, as ``bulk_create`` writes them (no signals, keys not read back), in one
    ``executemany``."""
    if not instances:
        return
    alias = router.db_for_write(type(instances[0]))
    connection = connections[alias]
    statement, fields, _returning = _compiled(instances[0], alias, pk_set=False, returning=False)
    with connection.cursor() as cursor:
        cursor.executemany(statement, [_values(obj, fields, connection) for obj in instances])
    for obj in instances:
        obj._state.adding, obj._state.db = False, alias


def _values(instance: Model, fields: list[Field], connection: Any) -> list[Any]:
    return [field.get_db_prep_save(field.pre_save(instance, True), connection=connection) for field in fields]


def _compiled(instance: Model, alias: str, *, pk_set: bool, returning: bool) -> tuple[str, list[Field], list[Field]]:
    """The INSERT Django compiles for ``instance`` (no value in it: the values are parameters), its fields, and
    the fields it returns (the automatic primary key, when ``returning``), compiled once."""
    key = (type(instance), pk_set, returning, alias)
    if key not in _statements:
        meta = type(instance)._meta
        fields = [f for f in meta.local_concrete_fields if not getattr(f, "generated", False)]
        if not pk_set:
            fields = [f for f in fields if f is not meta.auto_field]
        returned = list(meta.db_returning_fields) if returning and not pk_set else []
        query = sql.InsertQuery(type(instance))
        query.insert_values(fields, [instance])
        compiler = query.get_compiler(using=alias)
        compiler.returning_fields = returned
        [(statement, _params)] = compiler.as_sql()
        _statements[key] = (statement, fields, returned)
    return _statements[key]
