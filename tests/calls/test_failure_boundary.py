"""Whatever goes wrong inside a call, it ends as a recorded, typed failure: never a 500, a cut stream or a lost row.

Also: logs at DEBUG hold no secret even when the provider echoes it in its body and headers, and a logged value
cannot forge a log line.
"""

from __future__ import annotations

import io
import logging
import re

import pytest
from django.urls import reverse

from calls import services
from calls.models import CallLog
from core.errors import ModelDeskError
from wire.adapters.openai_compatible import OpenAICompatibleAdapter
from wire.types import Message

HI = [Message("user", "hi")]


def _boom(*args, **kwargs):
    raise ZeroDivisionError("an unexpected bug with private data inside")


@pytest.fixture
def broken_adapter(monkeypatch):
    """An adapter whose parsing has a bug that no typed error covers."""
    monkeypatch.setattr(OpenAICompatibleAdapter, "chat_response", _boom)
    monkeypatch.setattr(OpenAICompatibleAdapter, "chat_deltas", _boom)


def test_a_bug_while_parsing_becomes_a_typed_recorded_error(point_at, broken_adapter):
    with pytest.raises(ModelDeskError) as info:
        services.chat(credential=point_at("openai_compatible"), model="echo-1", messages=HI)
    assert info.value.error_type == "bad_response"
    assert "private data" not in str(info.value)
    row = CallLog.objects.get()
    assert (row.status, row.error_type) == ("error", "bad_response")


def test_a_bug_in_a_stream_becomes_a_typed_recorded_error(point_at, broken_adapter):
    stream = services.chat_stream(credential=point_at("openai_compatible"), model="echo-1", messages=HI)
    with pytest.raises(ModelDeskError):
        list(stream)
    assert CallLog.objects.get().status == "error"


def test_a_bug_outside_the_adapter_is_an_internal_error_and_still_recorded(point_at, monkeypatch):
    monkeypatch.setattr(services, "chat_params", _boom)
    with pytest.raises(ModelDeskError) as info:
        services.chat(credential=point_at("openai_compatible"), model="echo-1", messages=HI)
    assert info.value.error_type == "internal"
    assert CallLog.objects.get().error_type == "internal"


@pytest.fixture
def playground_client(client, admin_user):
    client.force_login(admin_user)
    return client


def _form(credential, **extra):
    return {
        "credential": str(credential.pk),
        "model_name": "echo-1",
        "message": "hello",
        "max_attempts": "1",
        "error_mode": "fail",
        **extra,
    }


def test_the_run_endpoint_answers_json_and_keeps_the_message_with_its_error(
    playground_client, point_at, broken_adapter
):
    from playground.models import Message as StoredMessage

    response = playground_client.post(reverse("playground:run"), _form(point_at("openai_compatible")))
    assert response.status_code == 502
    assert response.json()["error"]["type"] == "bad_response"
    stored = StoredMessage.objects.get()
    assert (stored.content, bool(stored.error)) == ("hello", True)
    assert CallLog.objects.count() == 1


def test_the_stream_endpoint_always_ends_with_an_error_event(playground_client, point_at, broken_adapter):
    from playground.models import Message as StoredMessage

    response = playground_client.post(reverse("playground:stream"), _form(point_at("openai_compatible")))
    body = b"".join(response.streaming_content).decode()
    events = re.findall(r"^event: (\w+)$", body, re.M)
    assert events[0] == "start" and events[-1] == "error"
    assert StoredMessage.objects.get().error
    assert CallLog.objects.count() == 1


def test_a_failing_connection_test_is_stored_not_raised(point_at, broken_adapter, monkeypatch):
    monkeypatch.setattr(OpenAICompatibleAdapter, "models_response", _boom)
    check = services.credential_test(credential=point_at("openai_compatible"))
    assert not check.ok and check.error_type == "bad_response"


@pytest.fixture
def debug_log():
    """Everything logged at DEBUG, through the project's console handler (formatter and all)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    loggers = [logging.getLogger(name) for name in ("", "httpx", "httpcore", "calls")]
    saved = [(lg, lg.level) for lg in loggers]
    root = logging.getLogger()
    root.addHandler(handler)
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    for lg, level in saved:
        lg.setLevel(level)


def test_debug_logs_hold_no_fragment_of_a_key_echoed_in_body_and_headers(point_at, canary, debug_log):
    """httpcore logs response headers as they are at DEBUG; a provider echoing the key there left it whole."""
    credential = point_at("openai_compatible")
    services.chat(credential=credential, model="echo-1-fault-echo-key-header", messages=HI)
    with pytest.raises(ModelDeskError):
        services.chat(credential=credential, model="echo-1-fault-echo-key-long", messages=HI)
    text = debug_log.getvalue()
    assert " httpcore." in text, "httpcore's DEBUG records were captured"
    fragments = {canary[i : i + 8] for i in range(len(canary) - 7)}
    assert not [f for f in fragments if f in text]


def test_a_model_name_with_a_newline_is_refused_by_the_service_layer(point_at):
    """Every way in (playground, commands, the gateway to come) calls this layer: it refuses the name itself."""
    with pytest.raises(ModelDeskError) as info:
        services.chat(credential=point_at("openai_compatible"), model="echo-1\nCRITICAL forged line", messages=HI)
    assert info.value.error_type == "invalid_input"
    assert "U+000A" in str(info.value)


def test_a_logged_value_with_a_newline_cannot_forge_a_log_line(debug_log):
    logging.getLogger("calls.resolve").warning("chat %s failed", "echo-1\nCRITICAL forged line")
    lines = debug_log.getvalue().splitlines()
    assert not [line for line in lines if line.startswith("CRITICAL forged")]
    assert "echo-1\\nCRITICAL forged line" in debug_log.getvalue()


@pytest.mark.parametrize("slug, path, model", [("openai_compatible", "/v1", "echo-1"), ("anthropic", "", "claude-x")])
def test_valid_json_of_the_wrong_shape_is_a_recorded_bad_response_end_to_end(
    playground_client, point_at, slug, path, model
):
    """The review's shapes from a real socket: ``{"choices":[{"message":"x"}]}``, a chunk ``{"choices":[5]}``,
    ``data: [1,2]``. The run answers JSON, the stream ends with ``error``, every call has its CallLog row."""
    from playground.models import Message as StoredMessage

    credential = point_at(slug, path)
    fields = _form(credential, model_name=f"{model}-fault-wrong-shape")
    run = playground_client.post(reverse("playground:run"), fields)
    assert run.status_code == 502 and run.json()["error"]["type"] == "bad_response"
    stream = playground_client.post(reverse("playground:stream"), fields)
    events = re.findall(r"^event: (\w+)$", b"".join(stream.streaming_content).decode(), re.M)
    assert events[-1] == "error"
    assert CallLog.objects.filter(status="error", error_type="bad_response").count() == 2
    assert all(m.error for m in StoredMessage.objects.all()) and StoredMessage.objects.count() == 2


def test_a_model_list_of_the_wrong_shape_fails_the_connection_test_cleanly(point_at, fake_provider):
    """``GET /models`` answering ``{"data": 5}``: Test connection stores a failure instead of answering 500."""
    credential = point_at("openai_compatible")
    fake_provider.fault = "wrong-shape"
    check = services.credential_test(credential=credential)
    assert (check.ok, check.error_type) == (False, "bad_response")
    assert "data" in check.error
    assert CallLog.objects.get().error_type == "bad_response"
