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


@pytest.mark.django_db
def test_insert_writes_the_row_save_would_write(django_user_model):
    """``insert`` (a statement compiled once) against ``save(force_insert=True)``: every column the same, an
    automatic key returned, a given key kept, defaults and auto times filled, JSON and decimals as saved."""
    from decimal import Decimal

    from django.forms.models import model_to_dict

    from core.writes import insert
    from playground.models import Conversation, Message

    user = django_user_model.objects.create_user(username="w")
    by_insert = Conversation(user=user, title="t", settings={"temperature": 0.5, "stop": ["\n"]})
    insert(by_insert)
    by_save = Conversation(user=user, title="t", settings={"temperature": 0.5, "stop": ["\n"]})
    by_save.save(force_insert=True)
    assert not by_insert._state.adding
    loaded = Conversation.objects.get(pk=by_insert.pk)
    assert model_to_dict(loaded, exclude=["id"]) == model_to_dict(
        Conversation.objects.get(pk=by_save.pk), exclude=["id"]
    )
    assert loaded.created_at is not None and loaded.created_at == by_insert.created_at

    def message(**extra):
        return Message(
            conversation=loaded, role="assistant", content="hé", tokens=3, cost=Decimal("0.00012345"), **extra
        )

    for extra in ({}, {"exchange": {"request": {"body": "x"}}, "tokens_in": 5, "stopped": True}):
        first, second = message(**extra), message(**extra)
        insert(first)
        second.save(force_insert=True)
        assert first.pk and second.pk == first.pk + 1
        fields = [f.name for f in Message._meta.concrete_fields if f.name not in ("id", "created_at")]
        stored = Message.objects.in_bulk([first.pk, second.pk])
        assert {f: getattr(stored[first.pk], f) for f in fields} == {f: getattr(stored[second.pk], f) for f in fields}


@pytest.mark.django_db
def test_insert_many_writes_the_rows_bulk_create_would(django_user_model):
    from django.forms.models import model_to_dict

    from calls.models import CallLog
    from core.writes import insert_many
    from providers.models import Provider

    provider = Provider.objects.create(slug="p-many")

    def rows(tag: str) -> list[CallLog]:
        return [
            CallLog(provider=provider, model=f"{tag}-{i}", operation="chat", status="ok", latency_ms=i, tokens_in=i)
            for i in range(3)
        ]

    insert_many(rows("many"))
    CallLog.objects.bulk_create(rows("bulk"))
    insert_many([])

    def stored(tag: str) -> list[dict]:
        found = CallLog.objects.filter(model__startswith=tag).order_by("latency_ms")
        return [{**model_to_dict(r, exclude=["id", "created_at"]), "model": r.model[len(tag) :]} for r in found]

    assert stored("many") == stored("bulk") and len(stored("many")) == 3
    assert all(r.created_at for r in CallLog.objects.all())
