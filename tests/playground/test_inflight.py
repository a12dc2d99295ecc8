"""One streaming turn per conversation: a turn sent while an earlier one still streams (a Stop the server has not
noticed yet) takes over; the earlier one stops and stores its part first, so the transcript keeps its order."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connections

from playground import inflight
from playground.models import Conversation, Message
from playground.services import RunRequest, playground_stream

pytestmark = pytest.mark.django_db(transaction=True)  # the earlier turn streams in a thread of its own


def _request(player, llm, model, message, conversation=None):
    return RunRequest(user=player, credential=llm, model=model, system="", message=message, conversation=conversation)


def test_a_newer_turn_takes_over_and_the_earlier_ones_part_is_stored_first(player, llm):
    first = Conversation.objects.create(user=player, title="t")
    events: list[str] = []
    streaming = threading.Event()

    def earlier() -> None:
        try:
            for kind, _data in playground_stream(_request(player, llm, "echo-1-fault-silent", "one two", first)):
                events.append(kind)
                if kind == "tick":
                    streaming.set()  # its chunks are in; the model is silent now
        finally:
            connections.close_all()

    thread = threading.Thread(target=earlier)
    thread.start()
    assert streaming.wait(5)
    started = time.monotonic()
    later = list(playground_stream(_request(player, llm, "echo-1", "next", Conversation.objects.get(pk=first.pk))))
    thread.join(5)
    assert time.monotonic() - started < inflight.HANDOVER_SECONDS  # handed over, not timed out
    assert events[-1] == "stopped" and later[-1][0] == "done"
    messages = [(m.role, m.content, m.stopped) for m in Message.objects.filter(conversation=first).order_by("pk")]
    assert [m[:1] + m[2:] for m in messages] == [
        ("user", False),
        ("assistant", True),
        ("user", False),
        ("assistant", False),
    ]
    assert messages[1][1].startswith("Echo") and messages[3][1] == "Echo: next"
    assert Conversation.objects.get(pk=first.pk).streaming == ""


def test_a_turn_that_ends_releases_the_conversation_and_the_next_one_does_not_wait(player, llm):
    conversation = Conversation.objects.create(user=player, title="t")
    list(playground_stream(_request(player, llm, "echo-1", "one", conversation)))
    assert Conversation.objects.get(pk=conversation.pk).streaming == ""
    started = time.monotonic()
    list(playground_stream(_request(player, llm, "echo-1", "two", Conversation.objects.get(pk=conversation.pk))))
    assert time.monotonic() - started < 1


def test_a_token_left_by_a_dead_turn_delays_the_next_one_only_until_the_handover_limit(player, monkeypatch):
    monkeypatch.setattr(inflight, "HANDOVER_SECONDS", 0.2)
    conversation = Conversation.objects.create(user=player, title="t", streaming="dead")
    token = inflight.turn_claim(conversation)
    assert Conversation.objects.get(pk=conversation.pk).streaming == token
    assert inflight.turn_current(conversation, token) and not inflight.turn_current(conversation, "dead")
    inflight.turn_release(conversation, token)
    assert Conversation.objects.get(pk=conversation.pk).streaming == ""
