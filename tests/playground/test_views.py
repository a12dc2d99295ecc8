"""Playground endpoints: access, bad input, streaming, other users, constant queries."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from playground.models import Conversation, Message
from tests.playground.helpers import form

RUN, STREAM, MODELS = "/playground/api/run/", "/playground/api/stream/", "/playground/api/models/"


def test_login_is_required(client, db):
    response = client.get("/playground/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.get("/accounts/login/").status_code == 200


def test_users_without_the_permission_are_refused(client, django_user_model, llm):
    client.force_login(django_user_model.objects.create_user(username="nobody", password="pw-nobody-123"))
    assert client.get("/playground/").status_code == 403
    response = client.post(RUN, form(llm))
    assert response.status_code == 403 and response.json()["error"]["type"] == "permission"


def test_staff_have_the_playground(admin_client, llm):
    assert admin_client.get(MODELS, {"credential": llm.pk}).status_code == 200


def test_run_returns_the_json_output(player_client, llm):
    response = player_client.post(RUN, form(llm, "你好"))
    assert response.status_code == 200
    body = response.json()
    assert body["output"][0]["content"] == "Echo: 你好"
    assert Conversation.objects.get().pk.hex == body["conversation"].replace("-", "")


def test_scripts_can_post_json(player_client, llm):
    payload = {**form(llm, "from a script"), "history": True, "history_rounds": 2}
    response = player_client.post(RUN, json.dumps(payload), content_type="application/json")
    assert response.status_code == 200 and response.json()["output"][0]["content"] == "Echo: from a script"
    bad = player_client.post(RUN, "[1,", content_type="application/json")
    assert bad.status_code == 400 and "JSON object" in json.dumps(bad.json())


def test_csrf_is_enforced_for_scripts(player, llm):
    client = Client(enforce_csrf_checks=True)
    client.force_login(player)
    assert client.post(RUN, form(llm)).status_code == 403


def test_stream_sends_events(player_client, llm):
    response = player_client.post(STREAM, form(llm, "stream me"))
    assert response["Content-Type"] == "text/event-stream"
    body = b"".join(response.streaming_content).decode()
    events = [block.split("\n")[0].removeprefix("event: ") for block in body.strip().split("\n\n")]
    assert events[0] == "start" and events[-1] == "done" and "delta" in events
    done = json.loads(body.strip().split("\n\n")[-1].split("data: ", 1)[1])
    assert done["output"][0]["content"] == "Echo: stream me"


@pytest.mark.parametrize(
    "changes, field, fragment",
    [
        ({"message": "   "}, "message", "Write a message"),
        ({"credential": "00000000-0000-0000-0000-000000000000"}, "credential", "valid choice"),
        ({"model": "", "model_name": ""}, "model", "Choose a model"),
        ({"variables": '{"a": '}, "variables", "not valid JSON"),
        ({"message": "hi {{who}}"}, "message", "{{who}}"),
        ({"temperature": "5"}, "temperature", "echo-1 accepts temperature from 0 to 2."),
        ({"error_mode": "default", "default_value": ""}, "default_value", "Enter the content"),
        ({"conversation": "not-a-uuid"}, "conversation", "not yours"),
    ],
)
def test_bad_input_gets_a_clear_message_and_stores_nothing(player_client, llm, changes, field, fragment):
    for url in (RUN, STREAM):
        response = player_client.post(url, {**form(llm), **changes})
        assert response.status_code == 400
        errors = response.json()["errors"]
        assert fragment in " ".join(errors[field]), errors
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    "model, error_type", [("echo-fault-404", "model_not_found"), ("echo-fault-503", "provider_unavailable")]
)
def test_provider_failures_are_reported_and_the_message_is_kept(player_client, llm, model, error_type):
    response = player_client.post(RUN, form(llm, "keep me", model="", model_name=model))
    assert response.status_code == 502
    body = response.json()
    assert body["error"]["type"] == error_type and model in body["error"]["message"]
    kept = Message.objects.get()
    assert kept.content == "keep me" and kept.error
    page = player_client.get(f"/playground/c/{body['conversation']}/").content.decode()
    assert "keep me" in page


def test_variables_are_resolved_before_sending(player_client, llm):
    response = player_client.post(RUN, form(llm, "I am {{user.name}}", variables='{"user": {"name": "IOLinker"}}'))
    assert response.json()["output"][0]["content"] == "Echo: I am IOLinker"


def test_users_see_only_their_own_conversations(player_client, admin_client, llm):
    theirs = admin_client.post(RUN, form(llm, "admin secret plan")).json()["conversation"]
    assert player_client.get(f"/playground/c/{theirs}/").status_code == 404
    response = player_client.post(RUN, form(llm, "sneak in", conversation=theirs))
    assert response.status_code == 400 and "not yours" in json.dumps(response.json())
    assert "admin secret plan" not in player_client.get("/playground/").content.decode()


def test_models_endpoint_lists_the_credentials_models(player_client, llm):
    models = player_client.get(MODELS, {"credential": llm.pk}).json()["models"]
    assert [m["name"] for m in models] == ["echo-1"]
    assert models[0]["temperature"] == {"min": 0.0, "max": 2.0, "default": None}
    assert player_client.get(MODELS, {"credential": "junk"}).status_code == 400


def _grow(conversation, rounds):
    Message.objects.bulk_create(
        m
        for i in range(rounds)
        for m in (
            Message(conversation=conversation, role="user", content=f"q{i}"),
            Message(conversation=conversation, role="assistant", content=f"a{i}"),
        )
    )


def test_a_json_run_reads_only_what_it_needs(player_client, llm):
    """A post is validated, never rendered: no model choices are built. Once a process has served a run, the
    next reads only the session, the user and the cache versions (``core.cache``): providers, credential,
    rules and permissions come from its memory, until another process changes one of them."""
    from django.db.models import F

    from core.models import CacheVersion

    body = json.dumps({"credential": str(llm.pk), "model_name": "echo-1", "message": "hi"})

    def statements() -> list[str]:
        with CaptureQueriesContext(connection) as ctx:
            assert player_client.post(RUN, body, content_type="application/json").status_code == 200
        return [q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]

    def reads() -> list[str]:
        return [sql for sql in statements() if sql.startswith("SELECT")]

    reads()
    # Six in all, besides the call log's row (written by its own thread outside the tests: CALL_LOG_ASYNC):
    # the three reads, the new conversation, the user's message and the reply.
    run = [sql for sql in statements() if 'INTO "calls_calllog"' not in sql]
    assert len(run) == 6, "\n".join(run)
    warm = reads()
    assert len(warm) == 3 and all(
        table in " ".join(warm) for table in ("django_session", "auth_user", "core_cacheversion")
    )
    CacheVersion.objects.filter(name="catalog").update(version=F("version") + 1)  # as another process's save does
    cold = reads()
    assert sum('FROM "credentials_credential"' in sql for sql in cold) == 1 and len(cold) <= 6, "\n".join(cold)


@pytest.mark.parametrize("url", [RUN, STREAM])
def test_queries_per_request_do_not_grow_with_history(player_client, llm, url):
    def count(conversation):
        with CaptureQueriesContext(connection) as ctx:
            response = player_client.post(
                url, form(llm, "next", conversation=str(conversation.pk), history="on", history_rounds="5")
            )
            if url == STREAM:
                b"".join(response.streaming_content)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    small, large = (Conversation.objects.create(user=llm_user(player_client)) for _ in range(2))
    _grow(small, 2)
    _grow(large, 200)
    count(small)  # the process's caches filled (``core.cache``)
    assert count(small) == count(large)


def llm_user(client):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(pk=client.session["_auth_user_id"])


def test_continuing_a_conversation_starts_from_its_credential_and_model(player_client, llm):
    body = player_client.post(RUN, form(llm, "hi", model="", model_name="echo-typed")).json()
    page = player_client.get(f"/playground/c/{body['conversation']}/")
    form_ = page.context["form"]
    assert form_.initial["credential"] == llm.pk and form_.initial["model_name"] == "echo-typed"
    assert 'value="echo-typed"' in page.content.decode()


def test_the_stream_writes_the_providers_keep_alives_as_comments(player_client, llm):
    """A tick is written as an SSE comment (which EventSource and sse.js skip): while the model is silent, that
    write is how the server learns the reader went away. Closing the response there stores the part received."""
    response = player_client.post(STREAM, form(llm, "a b", model="", model_name="echo-1-fault-idle"))
    chunks = iter(response.streaming_content)
    seen = []
    while b": keep-alive\n\n" not in seen or not any(b"event: delta" in c for c in seen):
        seen.append(next(chunks))
    response._iterator.close()  # the test client's wrapper: closes the response as a server does, keeping the db
    assert Message.objects.get(role="assistant").stopped


def test_a_stored_reply_keeps_its_calls_badges_for_the_reopened_page(player_client, llm):
    """Reopened, a reply shows the badges it had live: time to first token, tokens, cost, how it ended."""
    body = b"".join(player_client.post(STREAM, form(llm, "badges")).streaming_content).decode()
    done = json.loads(body.strip().split("\n\n")[-1].split("data: ", 1)[1])
    live = done["output"][0]
    reply = Message.objects.get(role="assistant")
    assert reply.call_summary() == {
        "usage": {"input_tokens": live["usage"]["input_tokens"], "output_tokens": live["usage"]["output_tokens"]},
        "latency_ms": live["latency_ms"],
        "ttft_ms": live["ttft_ms"],
        "cost": live["cost"],
        "finish_reason": "stop",
    }
    page = player_client.get(f"/playground/c/{done['conversation']}/")
    assert page.context["calls"] == {reply.pk: reply.call_summary()} and 'id="pg-calls"' in page.content.decode()


def test_streams_are_served_chunk_by_chunk_under_asgi():
    """Under ASGI the body is an async iterator (Django would buffer a sync one) that hands each chunk over as
    soon as it is made: the reader has the first before the second exists. Under WSGI it stays sync."""
    import asyncio
    import threading

    from django.test import AsyncRequestFactory, RequestFactory

    from playground.views import streaming_body

    first_read = threading.Event()

    def chunks():
        yield "a"
        assert first_read.wait(5)  # the next chunks are made only once the reader has the first
        yield from ("b", "c")

    body = streaming_body(AsyncRequestFactory().post("/"), chunks())

    async def first_then_rest():
        iterator = body.__aiter__()
        first = await iterator.__anext__()
        first_read.set()
        return first, [chunk async for chunk in iterator]

    assert asyncio.run(first_then_rest()) == ("a", ["b", "c"])
    assert list(streaming_body(RequestFactory().post("/"), iter(["x"]))) == ["x"]


def test_under_asgi_a_reader_gone_while_the_model_is_silent_closes_the_stream_at_the_next_tick():
    """Django cancels the response when the client disconnects (ASGIHandler.listen_for_disconnect); the stream's
    generator is closed as soon as its step in progress returns, which a tick makes a quarter second at most."""
    import asyncio
    import contextlib
    import threading
    import time

    from django.test import AsyncRequestFactory

    from playground.views import streaming_body

    closed = threading.Event()

    def chunks():
        try:
            yield "event: delta\ndata: {}\n\n"
            while True:  # the model is silent: only ticks
                time.sleep(0.05)
                yield ": keep-alive\n\n"
        finally:
            closed.set()

    async def read_then_leave():
        body = streaming_body(AsyncRequestFactory().post("/"), chunks())

        async def consume():
            async for _chunk in body:
                pass

        task = asyncio.ensure_future(consume())
        await asyncio.sleep(0.2)
        task.cancel()  # what Django does on http.disconnect
        with contextlib.suppress(asyncio.CancelledError):
            await task

    started = time.monotonic()
    asyncio.run(read_then_leave())
    assert closed.wait(1) and time.monotonic() - started < 1


def test_the_stream_endpoint_sends_reasoning_events(player_client, point_at):
    """A reasoning model's thinking arrives as ``reasoning`` events, before the answer's ``delta`` events."""
    credential = point_at("deepseek")
    response = player_client.post(STREAM, form(credential, "think", model="", model_name="deepseek-echo"))
    frames = [block.split("\n") for block in b"".join(response.streaming_content).decode().strip().split("\n\n")]
    kinds = [lines[0].removeprefix("event: ") for lines in frames]
    assert kinds.index("reasoning") < kinds.index("delta")
    reasoning = "".join(json.loads(lines[1][6:])["reasoning"] for lines in frames if lines[0] == "event: reasoning")
    assert reasoning == "The user wants an echo."
    assert Message.objects.get(role="assistant").content == "Echo: think"


def test_an_uploaded_image_is_stored_shown_to_its_owner_only_and_sent_again_on_regenerate(player_client, llm):
    """The image is kept with its message: the transcript shows it (from an owner-only URL), the text gets a note
    for later history, and regenerating or editing the message sends the image again (the fake provider counts
    image parts in a "[1 image]" prefix)."""
    from django.contrib.auth.models import Permission
    from django.core.files.uploadedfile import SimpleUploadedFile

    from playground.models import MessageImage
    from providers.models import ProviderModel
    from tests.playground.images import PNG

    ProviderModel.objects.filter(name="echo-1").update(supports_vision=True)
    upload = SimpleUploadedFile("cat.png", PNG, content_type="image/png")
    response = player_client.post(RUN, {**form(llm, "look"), "image": upload})
    assert response.status_code == 200, response.json()
    question = Message.objects.get(role="user")
    assert question.content == "look\n\n[image: cat.png]"
    assert response.json()["output"][0]["history"][-1]["content"] == "look\n\n[image: cat.png]"
    assert response.json()["output"][0]["content"].startswith("[1 image] Echo")
    image = MessageImage.objects.get(message=question)
    assert (image.name, image.media_type, bytes(image.data)) == ("cat.png", "image/png", PNG)

    conversation = response.json()["conversation"]
    page = player_client.get(f"/playground/c/{conversation}/").content.decode()
    assert f'src="/playground/api/images/{image.pk}/"' in page and 'alt="cat.png"' in page
    assert "[image: cat.png]" not in page  # the image shows instead of its note
    served = player_client.get(f"/playground/api/images/{image.pk}/")
    assert served.status_code == 200 and served["Content-Type"] == "image/png" and served.content == PNG
    stranger = Client()
    other = type(question.conversation.user).objects.create_user(username="other", password="pw-x-123")
    other.user_permissions.add(Permission.objects.get(codename="use_playground"))
    stranger.force_login(other)
    assert stranger.get(f"/playground/api/images/{image.pk}/").status_code == 404

    again = player_client.post(f"/playground/api/conversations/{conversation}/regenerate/")
    assert again.status_code == 200, again.json()
    assert again.json()["output"][0]["content"].startswith("[1 image] Echo")
    edited = player_client.post(
        f"/playground/api/messages/{question.pk}/edit/",
        json.dumps({"message": "and now?"}),
        content_type="application/json",
    )
    assert edited.json()["output"][0]["content"].startswith("[1 image] Echo")
    assert Message.objects.get(pk=question.pk).content == "and now?\n\n[image: cat.png]"
    assert MessageImage.objects.count() == 1


def test_the_advanced_area_renders_every_new_field(player_client, llm):
    page = player_client.get("/playground/").content.decode()
    for name in ("stop", "seed", "presence_penalty", "frequency_penalty", "response_format", "response_schema"):
        assert f'name="{name}"' in page
    for name in ("thinking", "thinking_budget", "image", "image_url"):
        assert f'name="{name}"' in page
    assert 'enctype="multipart/form-data"' in page and 'class="pg-thinking"' in page


def test_a_credential_is_offered_only_the_models_its_own_server_serves(player_client, point_at):
    """Models fetched on one OpenAI-compatible server are not offered under another one."""
    from calls import services

    server_a = point_at("openai_compatible", name="server-a")
    server_b = point_at("openai_compatible", name="server-b")
    services.models_discover(credential=server_a)

    def names(credential):
        return [m["name"] for m in player_client.get(MODELS, {"credential": str(credential.pk)}).json()["models"]]

    assert "echo-1" in names(server_a)
    assert names(server_b) == []


def test_the_json_output_shows_what_the_call_cost(player_client, llm):
    """The model's prices (here an admin's override, CNY) give the run its cost, as the call log has it."""
    from decimal import Decimal

    from calls.models import CallLog
    from providers.models import ProviderModel

    model = ProviderModel.objects.get(name="echo-1")
    model.input_price, model.output_price, model.price_currency = Decimal("2"), Decimal("8"), "CNY"
    model.save()
    output = player_client.post(RUN, form(llm, "hi")).json()["output"][0]
    row = CallLog.objects.get(operation="chat")
    assert output["cost"] == {"amount": str(row.cost), "currency": "CNY"} and row.cost > 0
    model.input_price, model.output_price, model.price_currency = None, None, ""
    model.save()
    assert player_client.post(RUN, form(llm, "hi")).json()["output"][0]["cost"] is None
