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
from typing import TypeVar

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


# --- One new row, its statement compiled once --------------------------------------------------------------------
# Profiled under load, ``Model.save`` of a playground message spent most of its time compiling the same INSERT
# again (``SQLInsertCompiler.as_sql``). ``insert`` compiles it once per model, column set and database, then only
# prepares each field's value as the compiler does (``pre_save``, ``get_db_prep_save``).
_statements: dict[tuple[type[Model], bool, str], tuple[str, list[Field], list[Field]]] = {}


def insert(instance: Model) -> None:
    """``instance.save(force_insert=True)`` for a model without save signals' receivers (else it is that)."""
    model = type(instance)
    if pre_save.has_listeners(model) or post_save.has_listeners(model):
        instance.save(force_insert=True)
        return
    meta = model._meta
    alias = router.db_for_write(model, instance=instance)
    connection = connections[alias]
    pk_set = instance.pk is not None
    key = (model, pk_set, alias)
    if key not in _statements:
        _statements[key] = _statement(instance, alias, pk_set)
    sql, fields, returning = _statements[key]
    params = [field.get_db_prep_save(field.pre_save(instance, True), connection=connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if returning and connection.features.can_return_columns_from_insert:
            values = connection.ops.fetch_returned_insert_columns(cursor, [])
        elif returning:
            values = (connection.ops.last_insert_id(cursor, meta.db_table, meta.pk.column),)
        else:
            values = ()
    for field, value in zip(returning, values, strict=False):
        setattr(instance, field.attname, value)
    instance._state.adding, instance._state.db = False, alias


def insert_many(instances: Sequence[Model]) -> None:
    """New rows of one model, as ``bulk_create`` writes them (no signals, keys not read back), in one
    ``executemany`` of a statement compiled once: the call log's writer, whose ``bulk_create`` recompiled every
    value of every row."""
    if not instances:
        return
    model = type(instances[0])
    alias = router.db_for_write(model)
    connection = connections[alias]
    key = (model, False, f"{alias}:many")
    if key not in _statements:
        statement, fields, _returning = _statement(instances[0], alias, pk_set=False, returning=False)
        _statements[key] = (statement, fields, [])
    statement, fields, _returning = _statements[key]
    rows = [[f.get_db_prep_save(f.pre_save(obj, True), connection=connection) for f in fields] for obj in instances]
    with connection.cursor() as cursor:
        cursor.executemany(statement, rows)
    for obj in instances:
        obj._state.adding, obj._state.db = False, alias


def _statement(
    instance: Model, alias: str, pk_set: bool, *, returning: bool = True
) -> tuple[str, list[Field], list[Field]]:
    """The INSERT Django compiles for ``instance`` (no value in it: the values are parameters), its fields, and
    the fields it returns (the automatic primary key)."""
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
    return statement, fields, returned
