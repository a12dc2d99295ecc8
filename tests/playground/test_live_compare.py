"""Live compare streams every column at once, also without a broker: the columns' events interleave, each names
its column, a column's failure does not stop the others, and a reader who leaves stops them all."""

from __future__ import annotations

import json
import time

import pytest

from calls.models import CallLog
from playground.live_compare import CompareColumn, compare_column_stop, compare_stream
from wire.types import Message

pytestmark = pytest.mark.django_db(transaction=True)  # columns stream in threads, with their own connections


def _run(columns, message="hello there"):
    return list(compare_stream(user=None, columns=columns, system="Be terse.", message=message))


def test_two_slow_columns_stream_at_the_same_time(point_at):
    """Each model sends a frame every 0.3 s; run one after the other, the second would start after the first's end."""
    credential = point_at("openai_compatible")
    events = _run(
        [CompareColumn(credential, "echo-a-fault-latency-300"), CompareColumn(credential, "echo-b-fault-latency-300")]
    )
    names = [(kind, data.get("column")) for kind, data in events]
    assert names[0] == ("start", None) and names[-1] == ("end", None)
    first_b = names.index(("delta", 1))
    done_a = names.index(("done", 0))
    first_a = names.index(("delta", 0))
    done_b = names.index(("done", 1))
    assert first_b < done_a and first_a < done_b  # interleaved: both were streaming at once
    outputs = {data["column"]: data["output"] for kind, data in events if kind == "done"}
    assert outputs[0]["content"] == outputs[1]["content"] == "Echo: hello there"
    assert outputs[0]["latency_ms"] > 0 and outputs[0]["ttft_ms"] is not None


def test_a_failing_column_does_not_stop_the_others(point_at):
    credential = point_at("openai_compatible")
    events = _run([CompareColumn(credential, "echo-fault-401"), CompareColumn(credential, "echo-1")])
    errors = [data for kind, data in events if kind == "error"]
    done = [data for kind, data in events if kind == "done"]
    assert [e["column"] for e in errors] == [0] and errors[0]["error"]["type"] == "authentication"
    assert [d["column"] for d in done] == [1]


def test_each_column_has_its_own_parameters_and_history(point_at, fake_provider):
    credential = point_at("openai_compatible")
    earlier = (Message("user", "my name is Li"), Message("assistant", "Echo: my name is Li"))
    _run(
        [
            CompareColumn(credential, "echo-1", sampling={"max_tokens": 11}),
            CompareColumn(credential, "echo-2", sampling={"max_tokens": 22}, history=earlier),
        ],
        message="who am I?",
    )
    bodies = {
        b["model"]: b
        for b in (json.loads(r.body) for r in fake_provider.requests if r.path.endswith("/chat/completions"))
    }
    assert bodies["echo-1"]["max_tokens"] == 11 and len(bodies["echo-1"]["messages"]) == 2
    assert bodies["echo-2"]["max_tokens"] == 22 and len(bodies["echo-2"]["messages"]) == 4


def test_a_reader_who_leaves_stops_every_column(point_at):
    credential = point_at("openai_compatible")
    stream = compare_stream(
        user=None,
        columns=[
            CompareColumn(credential, "echo-a-fault-latency-200"),
            CompareColumn(credential, "echo-b-fault-latency-200"),
        ],
        system="",
        message="a long enough message to stream in several pieces",
    )
    for kind, _data in stream:
        if kind == "delta":
            break
    stream.close()
    deadline = time.monotonic() + 5
    while CallLog.objects.filter(operation="chat_stream").count() < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert set(CallLog.objects.values_list("error_type", flat=True)) == {"cancelled"}


def test_while_every_column_is_silent_ticks_go_out_and_a_reader_gone_there_stops_them(point_at):
    """echo-*-fault-keepalive send only keep-alives for a minute: the stream still writes a ``tick`` every
    ``TICK_SECONDS`` (the endpoint makes it a comment), so a reader gone away is noticed and the columns stop."""
    credential = point_at("openai_compatible")
    columns = [CompareColumn(credential, "echo-a-fault-keepalive"), CompareColumn(credential, "echo-b-fault-keepalive")]
    stream = compare_stream(user=None, columns=columns, system="", message="hi")
    started = time.monotonic()
    kinds = []
    for kind, _data in stream:
        kinds.append(kind)
        if kind == "tick":
            break
    stream.close()
    assert kinds == ["start", "tick"] and time.monotonic() - started < 5
    deadline = time.monotonic() + 5
    while CallLog.objects.filter(operation="chat_stream").count() < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(CallLog.objects.values_list("error_type", flat=True)) == ["cancelled", "cancelled"]


def test_the_compare_stream_endpoint_sends_each_columns_events(client, point_at, django_user_model):
    user = django_user_model.objects.create_superuser(username="cmp", password="pw-cmp-123")
    client.force_login(user)
    credential = point_at("openai_compatible")
    body = {
        "message": "hi",
        "credential_1": str(credential.pk),
        "model_1": "echo-1",
        "credential_2": str(credential.pk),
        "model_2": "echo-fault-401",
    }
    response = client.post("/playground/api/compare/stream/", json.dumps(body), content_type="application/json")
    assert response.status_code == 200 and response["Content-Type"] == "text/event-stream"
    text = b"".join(response.streaming_content).decode()
    assert "event: start" in text and "event: end" in text
    assert '"column": 0' in text and '"column": 1' in text and '"authentication"' in text
    bad = client.post("/playground/api/compare/stream/", json.dumps({"message": "hi"}), content_type="application/json")
    assert bad.status_code == 400 and "errors" in bad.json()


def test_a_follow_up_goes_to_every_column_with_its_own_history(client, point_at, django_user_model, fake_provider):
    user = django_user_model.objects.create_superuser(username="cmp2", password="pw-cmp-123")
    client.force_login(user)
    credential = point_at("openai_compatible")
    body = {
        "system": "Be terse.",
        "message": "and now?",
        "columns": [
            {
                "credential": credential.name,
                "model": "echo-1",
                "history": [{"role": "user", "content": "first"}, {"role": "assistant", "content": "Echo: first"}],
            },
            {"credential": str(credential.pk), "model": "echo-2", "max_tokens": 9, "history": []},
        ],
    }
    response = client.post("/playground/api/compare/stream/", json.dumps(body), content_type="application/json")
    text = b"".join(response.streaming_content).decode()
    assert text.count("event: done") == 2
    sent = {
        b["model"]: b
        for b in (json.loads(r.body) for r in fake_provider.requests if r.path.endswith("/chat/completions"))
    }
    assert [m["content"] for m in sent["echo-1"]["messages"]] == ["Be terse.", "first", "Echo: first", "and now?"]
    assert len(sent["echo-2"]["messages"]) == 2 and sent["echo-2"]["max_tokens"] == 9


@pytest.mark.parametrize(
    "change, field",
    [
        ({"columns": []}, "columns"),
        ({"columns": [{"credential": "nope", "model": "echo-1"}]}, "columns.0.credential"),
        ({"columns": [{"credential": "CRED", "model": "bad\nname"}]}, "columns.0.model"),
        ({"columns": [{"credential": "CRED", "model": "m", "max_tokens": 0}]}, "columns.0.max_tokens"),
        (
            {"columns": [{"credential": "CRED", "model": "m", "history": [{"role": "system", "content": "x"}]}]},
            "columns.0.history",
        ),
        ({"message": " "}, "message"),
    ],
)
def test_a_bad_follow_up_names_the_field(client, point_at, django_user_model, change, field):
    user = django_user_model.objects.create_superuser(username="cmp3", password="pw-cmp-123")
    client.force_login(user)
    credential = point_at("openai_compatible")
    body = {"message": "hi", "columns": [{"credential": credential.name, "model": "echo-1"}], **change}
    for column in body["columns"]:
        if column.get("credential") == "CRED":
            column["credential"] = credential.name
    response = client.post("/playground/api/compare/stream/", json.dumps(body), content_type="application/json")
    assert response.status_code == 400 and field in response.json()["errors"]
    assert not CallLog.objects.exists()


def _wait_for_logs(count: int) -> None:
    deadline = time.monotonic() + 5
    while CallLog.objects.filter(operation="chat_stream").count() < count and time.monotonic() < deadline:
        time.sleep(0.05)


def test_stopping_one_column_lets_the_other_stream_to_its_end(point_at):
    """Both stream slowly; the stopped column says ``stopped`` and is logged as cancelled, with what it had
    written, while the other streams on after the stop to its ``done``."""
    credential = point_at("openai_compatible")
    columns = [
        CompareColumn(credential, "echo-a-fault-latency-200"),
        CompareColumn(credential, "echo-b-fault-latency-200"),
    ]
    stream = compare_stream(user=None, columns=columns, system="", message="a message that streams in pieces")
    kinds, run = [], None
    for kind, data in stream:
        kinds.append((kind, data.get("column")))
        if kind == "start":
            run = data["run"]
        if kinds.count(("delta", 0)) == 1 and kinds[-1] == ("delta", 0):
            assert compare_column_stop(user=None, run=run, column=0)
    stopped = kinds.index(("stopped", 0))
    assert ("delta", 1) in kinds[stopped:] and ("delta", 0) not in kinds[stopped:]
    assert ("done", 1) in kinds and ("done", 0) not in kinds and kinds[-1] == ("end", None)
    _wait_for_logs(2)
    logs = {log.model: log for log in CallLog.objects.filter(operation="chat_stream")}
    assert logs["echo-a-fault-latency-200"].error_type == "cancelled"
    assert logs["echo-b-fault-latency-200"].status == "ok" and not logs["echo-b-fault-latency-200"].error_type


def test_a_column_stop_reaches_only_a_running_compare_of_the_same_user(point_at, django_user_model):
    """Someone else's run, a column it does not have, a run that is not (or no longer) streaming: nothing stops."""
    credential = point_at("openai_compatible")
    owner = django_user_model.objects.create_user(username="owner", password="pw-owner-123")
    other = django_user_model.objects.create_user(username="other", password="pw-other-123")
    columns = [CompareColumn(credential, "echo-a-fault-keepalive"), CompareColumn(credential, "echo-b-fault-keepalive")]
    stream = compare_stream(user=owner, columns=columns, system="", message="hi")
    kind, data = next(stream)
    run = data["run"]
    assert kind == "start" and len(run) == 36
    assert not compare_column_stop(user=other, run=run, column=0)
    assert not compare_column_stop(user=owner, run=run, column=2)
    assert not compare_column_stop(user=owner, run="00000000-0000-0000-0000-000000000000", column=0)
    assert compare_column_stop(user=owner, run=run, column=1)
    assert next((k, d) for k, d in stream if k != "tick") == ("stopped", {"column": 1})
    stream.close()
    assert not compare_column_stop(user=owner, run=run, column=0)  # the run is over: nothing is left to stop
    _wait_for_logs(2)
    assert list(CallLog.objects.values_list("error_type", flat=True)) == ["cancelled", "cancelled"]


def test_the_column_stop_endpoint_stops_one_column_of_the_readers_run(client, point_at, django_user_model):
    """Through the endpoints: the ``start`` event's run id and the column's index stop that column only; a stop
    for a run this process does not stream is a 404."""
    user = django_user_model.objects.create_superuser(username="cmp4", password="pw-cmp-123")
    client.force_login(user)
    credential = point_at("openai_compatible")
    body = {
        "message": "a message long enough to stream in many pieces",
        "columns": [
            {"credential": credential.name, "model": "echo-a-1"},
            {"credential": credential.name, "model": "echo-b-fault-latency-200"},
        ],
    }
    response = client.post("/playground/api/compare/stream/", json.dumps(body), content_type="application/json")
    chunks = iter(response.streaming_content)
    start = next(chunks).decode()
    run = json.loads(start.split("data: ", 1)[1])["run"]
    stopped = client.post(f"/playground/api/compare/{run}/stop/1/")
    assert stopped.status_code == 200 and stopped.json() == {"stopped": True, "column": 1}
    text = start + b"".join(chunks).decode()
    assert 'event: stopped\ndata: {"column": 1}' in text and text.count("event: done") == 1
    assert client.post(f"/playground/api/compare/{run}/stop/1/").status_code == 404  # over
    assert client.get(f"/playground/api/compare/{run}/stop/1/").status_code == 405
    _wait_for_logs(2)
    assert sorted(CallLog.objects.values_list("error_type", flat=True)) == ["", "cancelled"]


def test_a_columns_error_is_in_the_readers_language(point_at):
    from django.utils import translation

    credential = point_at("openai_compatible")
    with translation.override("zh-hans"):
        events = _run([CompareColumn(credential, "echo-fault-500"), CompareColumn(credential, "echo-1")])
    (error,) = [data["error"] for kind, data in events if kind == "error"]
    assert error["message"].startswith("供应商不可用（HTTP 500），来自 OpenAI 兼容")
