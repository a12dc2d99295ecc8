"""Playground runs: history, trimming, error modes and the seed's JSON output."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from playground.models import Message
from playground.selectors import estimate_tokens
from playground.services import RunRequest, playground_run, playground_stream

SYSTEM = "You are a helpful assistant"


def ask(user, credential, message, conversation=None, **options):
    request = RunRequest(
        user=user,
        credential=credential,
        model=options.pop("model", "echo-1"),
        system=options.pop("system", SYSTEM),
        message=message,
        conversation=conversation,
        **options,
    )
    return playground_run(request)


def test_json_output_has_exactly_the_seed_shape(player, llm):
    """[{"content": reply, "history": [system, user, assistant, user]}] as in the LLM node's documentation."""
    first = ask(player, llm, "你好，我叫IOLinker")
    second = ask(player, llm, "请问我是谁", conversation=first.conversation, history=True, rounds=1)
    (output,) = second.output
    assert output["content"] == "Echo: 请问我是谁"
    assert output["history"] == [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": "你好，我叫IOLinker"},
        {"role": "assistant", "content": "Echo: 你好，我叫IOLinker"},
        {"role": "user", "content": "请问我是谁"},
    ]
    assert all(list(item) == ["role", "content"] for item in output["history"])
    assert output["history_rounds_loaded"] == 1
    assert output["provider"] == "openai_compatible" and output["model"] == "echo-1"
    assert output["usage"]["input_tokens"] and output["usage"]["output_tokens"]
    assert output["attempts"] == 1 and output["latency_ms"] >= 0
    json.dumps(second.output, ensure_ascii=False)  # plain JSON all the way down


def test_history_off_sends_only_system_and_message(player, llm):
    first = ask(player, llm, "one")
    second = ask(player, llm, "two", conversation=first.conversation, history=False)
    assert [m["role"] for m in second.output[0]["history"]] == ["system", "user"]
    assert second.output[0]["history_rounds_loaded"] == 0


def test_history_loads_the_last_n_rounds(player, llm):
    conversation = ask(player, llm, "q0").conversation
    for i in range(1, 5):
        ask(player, llm, f"q{i}", conversation=conversation)
    output = ask(player, llm, "now", conversation=conversation, history=True, rounds=2).output[0]
    assert [m["content"] for m in output["history"] if m["role"] == "user"] == ["q3", "q4", "now"]
    assert output["history_rounds_loaded"] == 2


def test_history_window_keeps_only_recent_rounds(player, llm):
    conversation = ask(player, llm, "old").conversation
    Message.objects.filter(conversation=conversation).update(created_at=timezone.now() - timedelta(hours=2))
    ask(player, llm, "recent", conversation=conversation)
    output = ask(player, llm, "now", conversation=conversation, history=True, rounds=5, window_minutes=60).output[0]
    assert [m["content"] for m in output["history"] if m["role"] == "user"] == ["recent", "now"]


def test_history_that_does_not_fit_drops_the_oldest_rounds_first(player, llm):
    from providers.models import ProviderModel

    ProviderModel.objects.filter(name="echo-1").update(context_window=400, max_tokens_default=100)
    conversation = ask(player, llm, "a" * 400).conversation  # ~100 tokens a question, ~102 an answer
    ask(player, llm, "b" * 400, conversation=conversation)
    ask(player, llm, "c" * 40, conversation=conversation)
    output = ask(player, llm, "now", conversation=conversation, history=True, rounds=3, max_tokens=100).output[0]
    users = [m["content"] for m in output["history"] if m["role"] == "user"]
    assert users[-1] == "now" and "a" * 400 not in users
    assert output["history_rounds_loaded"] == len(users) - 1 < 3
    sent = sum(estimate_tokens(m["content"]) for m in output["history"])
    assert sent + 100 <= 400


def test_failed_turn_keeps_the_message_and_is_left_out_of_history(player, llm):
    conversation = ask(player, llm, "ok one").conversation
    failed = ask(player, llm, "lost?", conversation=conversation, model="echo-fault-500")
    assert failed.output is None and failed.error["type"] == "provider_unavailable"
    stored = Message.objects.get(content="lost?")
    assert stored.error and "echo-fault-500" in stored.error
    output = ask(player, llm, "again", conversation=conversation, history=True, rounds=5).output[0]
    assert [m["content"] for m in output["history"] if m["role"] == "user"] == ["ok one", "again"]


@pytest.mark.parametrize(
    "mode, expected_content",
    [("default", "Sorry, try later."), ("error_output", None), ("fail", None)],
)
def test_error_modes(player, llm, mode, expected_content):
    result = ask(player, llm, "hi", model="echo-fault-401", error_mode=mode, default_value="Sorry, try later.")
    assert result.error["type"] == "authentication"
    if mode == "fail":
        assert result.output is None
    elif mode == "default":
        assert result.output[0]["content"] == expected_content
    else:
        payload = json.loads(result.output[0]["content"])
        assert payload["error_type"] == "authentication" and "echo-fault-401" in payload["message"]
    if result.output:
        assert [m["role"] for m in result.output[0]["history"]] == ["system", "user"]


def test_stream_events(player, llm):
    request = RunRequest(user=player, credential=llm, model="echo-1", system=SYSTEM, message="stream this")
    events = list(playground_stream(request))
    kinds = [kind for kind, _ in events]
    assert kinds[0] == "start" and kinds[-1] == "done" and kinds.count("delta") > 1
    assert "".join(data["content"] for kind, data in events if kind == "delta") == "Echo: stream this"
    assert events[-1][1]["output"][0]["content"] == "Echo: stream this"


def test_stream_error_event_keeps_the_conversation(player, llm):
    request = RunRequest(user=player, credential=llm, model="echo-fault-503", system="", message="x")
    events = list(playground_stream(request))
    assert events[-1][0] == "error" and events[-1][1]["error"]["type"] == "provider_unavailable"
    assert Message.objects.get().content == "x"


def test_a_stream_closed_by_its_reader_keeps_the_partial_reply_marked_stopped(llm, django_user_model):
    """Stop, Ctrl-C in `chat`, or a closed browser tab: the part of the reply received is stored, marked stopped;
    the user's message is not marked failed, and the call is recorded as cancelled."""
    from calls.models import CallLog
    from playground.models import Message
    from playground.services import RunRequest, playground_stream

    user = django_user_model.objects.create_user(username="u", password="pw-for-tests-only")
    request = RunRequest(user=user, credential=llm, model="echo-1", system="", message="hello there friend")
    events = playground_stream(request)
    assert next(events)[0] == "start"
    kind, first = next(events)
    assert kind == "delta"
    events.close()
    question, reply = Message.objects.order_by("pk")
    assert question.content == "hello there friend" and question.error == ""
    assert reply.role == "assistant" and reply.stopped and reply.content == first["content"]
    assert reply.content and "Echo: hello there friend".startswith(reply.content)
    assert reply.tokens_out  # the tokens seen until the stop (counted by ModelDesk when the provider sent none)
    assert CallLog.objects.get().error_type == "cancelled"


@pytest.mark.parametrize("model", ["echo-1-fault-idle", "echo-1-fault-silent"])
def test_a_reader_gone_while_the_model_is_silent_is_noticed_at_the_next_tick(player, llm, model):
    """After two chunks, echo-1-fault-idle sends only keep-alives and echo-1-fault-silent not a byte: either way a
    ``tick`` goes out (the endpoint writes a comment) at the provider's keep-alive or after
    ``STREAM_TICK_SECONDS``, and closing there keeps the part received, marked stopped, at once rather than at
    the read timeout."""
    events = playground_stream(RunRequest(user=player, credential=llm, model=model, system="", message="a b"))
    received = []
    for kind, data in events:
        if kind == "delta":
            received.append(data["content"])
        if kind == "tick" and received:
            break
    events.close()
    reply = Message.objects.get(role="assistant")
    assert reply.stopped and reply.content == "".join(received) and reply.content.startswith("Echo")


def test_a_stopped_reply_is_sent_back_as_history_but_an_empty_one_is_not(player, llm):
    first = playground_stream(RunRequest(user=player, credential=llm, model="echo-1", system="", message="one"))
    next(first), next(first)
    first.close()
    conversation = Message.objects.get(role="assistant").conversation
    partial = Message.objects.get(role="assistant").content
    second = playground_stream(
        RunRequest(user=player, credential=llm, model="echo-1", system="", message="two", conversation=conversation)
    )
    next(second)
    second.close()  # before any delta: an empty stopped reply
    assert Message.objects.filter(role="assistant", stopped=True, content="").count() == 1
    output = ask(player, llm, "three", conversation=conversation, history=True, rounds=5, system="").output[0]
    assert output["history"] == [
        {"role": "user", "content": "one"},
        {"role": "assistant", "content": partial},
        {"role": "user", "content": "three"},
    ]


def test_the_json_output_keeps_reasoning_apart_and_says_how_the_reply_ended(point_at, django_user_model):
    """A DeepSeek-style reply: the reasoning is not the content, and finish_reason says the reply is whole."""
    from playground.services import RunRequest, playground_run, playground_stream

    credential = point_at("deepseek")
    user = django_user_model.objects.create_user(username="u", password="pw-for-tests-only")
    request = RunRequest(user=user, credential=credential, model="deepseek-echo", system="", message="hi")
    output = playground_run(request).output[0]
    assert output["reasoning"] and output["reasoning"] not in output["content"]
    assert output["finish_reason"] == "stop"
    done = next(data for event, data in playground_stream(request) if event == "done")["output"][0]
    assert done["reasoning"] and done["finish_reason"] == "stop"


def test_a_reply_without_reasoning_has_no_reasoning_key(llm, django_user_model):
    from playground.services import RunRequest, playground_run

    user = django_user_model.objects.create_user(username="u", password="pw-for-tests-only")
    output = playground_run(RunRequest(user=user, credential=llm, model="echo-1", system="", message="hi")).output[0]
    assert "reasoning" not in output and output["finish_reason"] == "stop"


def test_a_reply_is_stored_after_the_database_was_locked_for_a_moment(player, llm, monkeypatch):
    """Under load SQLite may stay locked past its busy timeout: the reply's write is tried again, not lost."""
    from django.db import OperationalError

    from playground import services

    original, failures = services._reply_store, []

    def locked_twice(*args, **kwargs):
        if len(failures) < 2:
            failures.append(1)
            raise OperationalError("database is locked")
        return original(*args, **kwargs)

    monkeypatch.setattr(services, "_reply_store", locked_twice)
    monkeypatch.setattr("core.writes.FIRST_PAUSE", 0.001)
    result = playground_run(RunRequest(user=player, credential=llm, model="echo-1", system="", message="hi"))
    assert result.output[0]["content"] == "Echo: hi" and len(failures) == 2
    assert Message.objects.get(role="assistant").content == "Echo: hi"


def test_a_reply_the_database_refuses_is_still_returned_and_the_failure_logged(player, llm, monkeypatch, caplog):
    """Never a 500 after a provider call that worked: the user gets the reply, unstored, and the log says so; the
    user's message is not marked failed."""
    from django.db import OperationalError

    from playground import services

    def always_locked(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(services, "_reply_store", always_locked)
    monkeypatch.setattr("core.writes.FIRST_PAUSE", 0.001)
    result = playground_run(RunRequest(user=player, credential=llm, model="echo-1", system="", message="hi"))
    assert result.error is None and result.output[0]["content"] == "Echo: hi"
    assert "could not store the reply" in caplog.text
    assert Message.objects.get(role="user").error == "" and not Message.objects.filter(role="assistant").exists()
