"""Work after the response: without a broker, a conversation's title is asked for in a thread of the process, so
the first reply does not wait for a second model call; with no model to ask, it is not asked for at all."""

from __future__ import annotations

import time

import pytest

from calls.models import CallLog
from playground.models import Conversation
from playground.services import RunRequest, playground_run


@pytest.mark.django_db(transaction=True)  # the title is written by the pool thread's own connection
def test_the_title_is_made_after_the_reply_without_holding_it(player, llm, point_at, settings):
    point_at("openai_compatible", name="titler")
    settings.BACKGROUND_THREADS = True
    settings.PLAYGROUND_TITLE_MODEL = "titler/echo-titles-fault-latency-500"  # a title model that takes 0.5 s
    started = time.monotonic()
    result = playground_run(RunRequest(user=player, credential=llm, model="echo-1", system="", message="cook rice"))
    took = time.monotonic() - started
    assert result.output is not None and took < 0.5  # the reply did not wait for the title
    deadline = time.monotonic() + 5
    while Conversation.objects.get(pk=result.conversation.pk).title == "cook rice" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert Conversation.objects.get(pk=result.conversation.pk).title.startswith("Echo")
    assert CallLog.objects.count() == 2


@pytest.mark.django_db
def test_no_title_is_asked_for_when_there_is_no_model_to_ask(player, llm, settings, django_capture_on_commit_callbacks):
    settings.PLAYGROUND_TITLE_MODEL = "default"  # and no default llm model is set
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        playground_run(RunRequest(user=player, credential=llm, model="echo-1", system="", message="hello"))
    assert callbacks == [] and CallLog.objects.count() == 1


def test_work_past_the_backlog_is_dropped_and_logged(monkeypatch, settings, caplog):
    """A burst larger than the backlog: the excess is dropped with a warning, the rest runs."""
    import threading

    from playground import later

    settings.BACKGROUND_THREADS = True
    monkeypatch.setattr(later, "_waiting", threading.BoundedSemaphore(2))
    release = threading.Event()
    ran: list[int] = []

    class Task:
        name = "slow"

        def apply(self, args):
            release.wait(5)
            ran.append(args[0])

    monkeypatch.setattr(later, "_pool", None)
    monkeypatch.setattr(later, "WORKERS", 1)
    for index in range(5):
        later._submit(Task(), (index,))
    # one running, two waiting, and the last two dropped... or the first may still hold its place: at least two
    dropped = [r for r in caplog.records if "dropped" in r.getMessage()]
    assert 2 <= len(dropped) <= 3
    release.set()
    later._executor().shutdown(wait=True)
    assert len(ran) == 5 - len(dropped) and ran == sorted(ran)
    monkeypatch.setattr(later, "_pool", None)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "content_type", "titled"),
    [
        ({"message": "hello"}, "application/json", False),  # a script: one model call
        ({"message": "hello", "title": True}, "application/json", True),  # a script that asks
        ({"message": "hello", "history_rounds": "1", "max_attempts": "1"}, "form", True),  # the page
    ],
)
def test_a_scripts_new_conversation_is_named_only_when_it_asks(
    player_client, llm, django_capture_on_commit_callbacks, body, content_type, titled
):
    import json

    body = {**body, "credential": str(llm.pk), "model_name": "echo-1"}
    with django_capture_on_commit_callbacks(execute=True):
        if content_type == "form":
            response = player_client.post("/playground/api/run/", body)
        else:
            response = player_client.post("/playground/api/run/", json.dumps(body), content_type=content_type)
    assert response.status_code == 200, response.content
    conversation = Conversation.objects.get(pk=response.json()["conversation"])
    assert CallLog.objects.count() == (2 if titled else 1)
    assert (conversation.title != "hello") is titled
