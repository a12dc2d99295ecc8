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
