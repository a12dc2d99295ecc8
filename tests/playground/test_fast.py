"""The run and stream endpoints on the ASGI fast path (``playground.fast``), driven as uvicorn drives them.

The endpoint tests of ``test_views`` run here again (imported below), with ``player_client`` posting through
``config.asgi.application``: the same answers, stored turns and errors as through Django's handler. Then what
only the fast path does: fall back to Django for what it does not answer itself, add the middleware's headers,
notice a reader that leaves, and keep its database work to two hops.
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.db.backends.utils import CursorWrapper

from calls import call_log
from calls.models import CallLog
from playground.models import Conversation, Message
from tests.asgi_client import FastClient
from tests.playground.helpers import form
from tests.playground.test_views import (  # noqa: F401 -- collected again here, with this module's client
    test_bad_input_gets_a_clear_message_and_stores_nothing,
    test_continuing_a_conversation_starts_from_its_credential_and_model,
    test_provider_failures_are_reported_and_the_message_is_kept,
    test_run_returns_the_json_output,
    test_scripts_can_post_json,
    test_stream_sends_events,
    test_the_json_output_shows_what_the_call_cost,
    test_the_stream_endpoint_sends_reasoning_events,
    test_users_see_only_their_own_conversations,
    test_variables_are_resolved_before_sending,
)

# The hops run in request threads, with connections of their own: the test's data must be committed.
pytestmark = pytest.mark.django_db(transaction=True)
RUN, STREAM = "/playground/api/run/", "/playground/api/stream/"


@pytest.fixture(autouse=True)
def _no_titles(settings: Any) -> None:
    """Committed turns run their on-commit work, which the other tests' transaction never does: a new
    conversation's title would be a second call in every run."""
    settings.PLAYGROUND_TITLES = False


@pytest.fixture
def player_client(player) -> FastClient:
    return FastClient(player)


@pytest.fixture
def admin_client(admin_user) -> FastClient:
    return FastClient(admin_user)


def events(response: Any) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for block in response.content.decode().strip().split("\n\n"):
        if block.startswith("event: "):
            name, data = block.split("\n", 1)
            found.append((name.removeprefix("event: "), json.loads(data.removeprefix("data: "))))
    return found


def test_a_run_is_answered_stored_and_logged(player_client, llm):
    response = player_client.post(RUN, form(llm, "hello fast"))
    assert response.status_code == 200
    body = response.json()
    assert body["output"][0]["content"] == "Echo: hello fast"
    assert body["output"][0]["history"][-1] == {"role": "user", "content": "hello fast"}
    conversation = Conversation.objects.get()
    assert str(conversation.pk) == body["conversation"]
    assert list(conversation.messages.values_list("role", "content")) == [
        ("user", "hello fast"),
        ("assistant", "Echo: hello fast"),
    ]
    call_log.flush()
    assert list(CallLog.objects.values_list("operation", "status")) == [("chat", "ok")]


def test_the_answer_has_the_headers_the_middleware_adds(player_client, llm):
    response = player_client.post(RUN, form(llm), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Content-Language"] == "zh-hans"
    assert "Accept-Language" in response["Vary"] and "Cookie" in response["Vary"]
    stream = player_client.post(STREAM, form(llm))
    assert stream["Content-Type"] == "text/event-stream" and stream["X-Accel-Buffering"] == "no"
    assert stream["X-Content-Type-Options"] == "nosniff"


def test_errors_speak_the_readers_language(player_client, llm):
    response = player_client.post(RUN, {**form(llm), "message": "  "}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    message = response.json()["errors"]["message"][0]
    assert message != "Write a message first." and any("\u4e00" <= ch <= "\u9fff" for ch in message)


def test_anonymous_posts_get_djangos_login_redirect(llm):
    response = FastClient().post(RUN, form(llm))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not Message.objects.exists()


def test_a_user_without_the_permission_gets_the_views_403(django_user_model, llm):
    nobody = django_user_model.objects.create_user(username="nobody", password="pw-nobody-123")
    response = FastClient(nobody).post(RUN, form(llm))
    assert response.status_code == 403 and response.json()["error"]["type"] == "permission"


def test_a_post_without_its_csrf_token_is_refused_by_django(player, llm):
    response = FastClient(player, csrf=False).post(RUN, form(llm))
    assert response.status_code == 403 and b"CSRF" in response.content
    assert not Message.objects.exists()


def test_a_credential_not_shared_with_the_user_is_refused_before_anything_is_stored(player, point_at):
    from access.models import Grant

    credential = point_at("openai_compatible")
    Grant.objects.filter(credential=credential).delete()
    response = FastClient(player).post(RUN, {**form(credential), "model": "", "model_name": "echo-1"})
    assert response.status_code in (400, 403)
    assert not Message.objects.exists()


def test_a_reader_that_leaves_mid_stream_keeps_the_part_received_as_a_stopped_reply(player_client, llm):
    player_client.leave_after = 3  # the start event, then two deltas
    response = player_client.post(STREAM, form(llm, " ".join(f"w{i}" for i in range(40)), max_tokens="900"))
    assert [name for name, _data in events(response)][:1] == ["start"]
    reply = Message.objects.get(role="assistant")
    assert reply.stopped and reply.content and len(reply.content) < len("Echo: ") + 40 * 4
    call_log.flush()
    assert CallLog.objects.get().error_type == "cancelled"
    assert Conversation.objects.get().streaming == ""  # the conversation is released for the next turn


def test_a_stream_whose_provider_fails_ends_with_the_error_event(player_client, llm):
    response = player_client.post(STREAM, form(llm, "fail me", model="", model_name="echo-fault-503"))
    names = [name for name, _data in events(response)]
    assert names[0] == "start" and names[-1] == "error"
    last = events(response)[-1][1]
    assert last["error"]["type"] == "provider_unavailable" and last["ids"]["user"]
    assert Message.objects.get().error


def test_a_silent_model_gets_keep_alives_and_a_stop_still_ends_it(player_client, llm):
    player_client.leave_after = 4
    response = player_client.post(STREAM, form(llm, "a b", model="", model_name="echo-1-fault-silent"))
    assert b": keep-alive" in response.content
    assert Message.objects.get(role="assistant").stopped


def test_a_large_body_goes_to_django_which_refuses_it(player_client, llm, settings):
    settings.REQUEST_BODY_UPLOAD_MAX_BYTES = 1000
    response = player_client.post(RUN, {**form(llm), "message": "x" * 2000})
    assert response.status_code == 413 and response.json()["error"]["type"] == "request_too_large"


def test_a_run_reads_and_writes_as_little_as_through_django(player_client, llm, monkeypatch):
    """Warm, a run reads only the cache versions (the session's user is in memory: ``core.sessions``), and
    writes the conversation, the user's message and the reply (the call log's row is written later, in a batch,
    by its own thread)."""
    statements: list[str] = []
    lock = threading.Lock()
    original = CursorWrapper.execute

    def recording(self: CursorWrapper, sql: str, params: Any = None) -> Any:
        if threading.current_thread().name.startswith("request"):
            with lock:
                statements.append(sql)
        return original(self, sql, params)

    body = json.dumps({"credential": str(llm.pk), "model_name": "echo-1", "message": "hi"})
    assert player_client.post(RUN, body, content_type="application/json").status_code == 200
    monkeypatch.setattr(CursorWrapper, "execute", recording)
    assert player_client.post(RUN, body, content_type="application/json").status_code == 200
    work = [s for s in statements if not s.startswith(("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT"))]
    work = [s for s in work if 'INTO "calls_calllog"' not in s]  # queued, in a batch (inline under the tests)
    tables = [re.search(r'(?:FROM|INTO) "(\w+)"', s)[1] for s in work]
    assert tables == [
        "core_cacheversion",
        "playground_conversation",
        "playground_message",
        "playground_message",
    ], "\n".join(work)


def test_the_fast_paths_can_be_turned_off(player, llm, settings, monkeypatch):
    from config.asgi import application

    settings.ASGI_FAST_PATHS = False
    monkeypatch.setattr(application, "_fast", None)
    assert application.fast_paths() == {}
    assert FastClient(player).post(RUN, form(llm, "through django")).status_code == 200
    monkeypatch.setattr(application, "_fast", None)


def test_the_playground_permission_is_read_per_request(player, llm):
    client = FastClient(player)
    assert client.post(RUN, form(llm)).status_code == 200
    player.user_permissions.remove(Permission.objects.get(codename="use_playground"))
    assert client.post(RUN, form(llm)).status_code == 403


def test_a_new_streams_turn_is_stored_before_its_start_event_while_its_request_is_out(player_client, llm):
    """The provider request goes out while the conversation and the user's message are written; the start event
    follows the write, so a turn sent next (a Stop, then a new message) finds the conversation."""
    import asyncio

    seen: dict[str, Any] = {}

    async def on_chunk(chunk: bytes) -> None:
        if chunk.startswith(b"event: start"):
            pk = json.loads(chunk.split(b"data: ", 1)[1])["conversation"]

            def stored() -> tuple[bool, list[str], str]:
                conversation = Conversation.objects.get(pk=pk)
                return True, list(conversation.messages.values_list("role", flat=True)), conversation.streaming

            seen["start"] = await asyncio.to_thread(stored)

    player_client.on_chunk = on_chunk
    response = player_client.post(STREAM, form(llm, "slow one", model="", model_name="echo-1-fault-latency-200"))
    assert [name for name, _data in events(response)][-1] == "done"
    exists, roles, streaming = seen["start"]
    assert exists and roles == ["user"] and streaming  # held by this turn while it streams
    assert Conversation.objects.get().streaming == ""  # released at the end
    assert list(Message.objects.values_list("role", flat=True).order_by("pk")) == ["user", "assistant"]


def test_a_stream_in_a_conversation_another_turn_holds_is_stored_first_and_waits_its_turn(player_client, llm):
    """A handover to wait for (``inflight``) keeps the stored-first order: the waiting turn's message comes after
    what the earlier turn stored."""
    first = player_client.post(STREAM, form(llm, "one")).content
    pk = json.loads(first.split(b"data: ", 1)[1].split(b"\n", 1)[0])["conversation"]
    Conversation.objects.filter(pk=pk).update(streaming="gone-turn")  # a turn that died without releasing
    response = player_client.post(STREAM, form(llm, "two", conversation=pk))
    assert [name for name, _data in events(response)][-1] == "done"
    contents = list(Message.objects.order_by("pk").values_list("content", flat=True))
    assert contents == ["one", "Echo: one", "two", "Echo: two"]


def test_an_unexpected_failure_is_a_json_500_never_a_traceback(player_client, llm, monkeypatch):
    from playground import fast

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("database gone: sk-secret-in-an-exception")

    monkeypatch.setattr(fast, "run_begin", broken)
    response = player_client.post(RUN, form(llm))
    assert response.status_code == 500
    error = response.json()["error"]
    assert error["type"] == "internal" and "RuntimeError" in error["message"]
    assert "sk-secret" not in response.content.decode() and "Traceback" not in response.content.decode()
