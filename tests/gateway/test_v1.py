"""The /v1 gateway driven by the official ``openai`` SDK, through the ASGI application uvicorn serves, against
the fake provider over a real loopback socket."""

from __future__ import annotations

import re
from datetime import timedelta
from io import StringIO
from typing import Any

import openai
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from calls import call_log
from calls.models import CallLog
from gateway.keys import api_key_create, api_key_revoke, digest_of
from gateway.models import ApiKey
from tests.calls.test_adapters_live import CHAT_PROVIDERS, model_for
from tests.gateway.client import call, chat

pytestmark = pytest.mark.django_db(transaction=True)  # the hops' threads read what the test wrote


def test_a_chat_completion(llm, key, owner):
    answer = call(key, lambda c: chat(c, temperature=0.2, max_tokens=50, seed=1, stop=["\n\n"]))
    assert answer.choices[0].message.content == "Echo: hi"
    assert answer.choices[0].finish_reason == "stop" and answer.object == "chat.completion"
    assert answer.model == "team/echo-1" and answer.id.startswith("chatcmpl-")
    assert answer.usage.prompt_tokens and answer.usage.completion_tokens
    assert answer.usage.total_tokens == answer.usage.prompt_tokens + answer.usage.completion_tokens
    call_log.flush()
    row = CallLog.objects.get()
    assert (row.user_id, row.operation, row.status, row.model) == (owner.pk, "chat", "ok", "echo-1")


def test_a_streamed_chat_completion_with_usage(llm, key):
    async def stream(client: openai.AsyncOpenAI) -> list[Any]:
        chunks = await chat(client, stream=True, stream_options={"include_usage": True})
        return [chunk async for chunk in chunks]

    chunks = call(key, stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Echo: hi"
    assert chunks[0].choices[0].delta.role == "assistant"
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens
    assert len({c.id for c in chunks}) == 1


def test_images_go_through_as_parts(llm, key):
    from providers.models import ProviderModel

    ProviderModel.objects.filter(name="echo-1").update(supports_vision=True)
    content = [{"type": "text", "text": "what is this"}, {"type": "image_url", "image_url": {"url": "https://x/a.png"}}]
    answer = call(key, lambda c: chat(c, messages=[{"role": "user", "content": content}]))
    assert answer.choices[0].message.content == "[1 image] Echo: what is this"  # the fake counts the images it got


def test_the_model_list_is_what_the_key_may_call(llm, owner):
    everything = api_key_create(owner=owner, name="all")[1]
    one = api_key_create(owner=owner, name="one", models=["team/echo-1"])[1]
    none_of_them = api_key_create(owner=owner, name="other", models=["team/other"])[1]

    def ids(api_key: str) -> list[str]:
        return call(api_key, lambda c: _ids(c))

    async def _ids(client: openai.AsyncOpenAI) -> list[str]:
        return [m.id async for m in client.models.list()]

    assert "team/echo-1" in ids(everything)
    assert ids(one) == ["team/echo-1"]
    assert ids(none_of_them) == []
    with pytest.raises(openai.PermissionDeniedError):
        call(none_of_them, chat)


@pytest.mark.parametrize(
    "options, error, code",
    [
        ({"model": "no-such-credential/echo-1"}, openai.NotFoundError, "model_not_found"),
        ({"model": "echo-1"}, openai.NotFoundError, "model_not_found"),
        ({"temperature": "hot"}, openai.BadRequestError, "invalid_request"),
        ({"messages": [{"role": "robot", "content": "x"}]}, openai.BadRequestError, "invalid_request"),
        ({"model": "team/echo-1-fault-429"}, openai.RateLimitError, "rate_limited"),
        ({"model": "team/echo-1-fault-500"}, openai.InternalServerError, None),
    ],
)
def test_errors_are_openais_with_their_status(llm, key, options, error, code, settings):
    settings.PROVIDER_MAX_ATTEMPTS = 1
    with pytest.raises(error) as raised:
        call(key, lambda c: chat(c, **options))
    body = raised.value.body
    assert isinstance(body, dict) and body["message"]
    if code:
        assert body["code"] == code


def test_keys_that_are_wrong_revoked_or_expired_are_refused_at_once(llm, owner, key):
    assert call(key, chat).choices[0].message.content == "Echo: hi"
    with pytest.raises(openai.AuthenticationError):
        call("md-not-a-key", chat)
    api_key_revoke(ApiKey.objects.get(digest=digest_of(key)))  # seen on the next request, in every process
    with pytest.raises(openai.AuthenticationError):
        call(key, chat)
    _expired, expired = api_key_create(owner=owner, name="old", expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(openai.AuthenticationError):
        call(expired, chat)
    owner.is_active = False
    owner.save()
    with pytest.raises(openai.AuthenticationError):
        call(api_key_create(owner=owner, name="late")[1], chat)


def test_a_credential_not_granted_to_the_owner_is_refused(point_at, key):
    from access.models import Grant

    credential = point_at("openai_compatible", name="private")
    Grant.objects.filter(credential=credential).delete()
    with pytest.raises(openai.PermissionDeniedError):
        call(key, lambda c: chat(c, model="private/echo-1"))


def test_a_key_is_stored_as_a_digest_with_a_visible_prefix_only(owner):
    stored, plaintext = api_key_create(owner=owner, name="ci")
    assert plaintext.startswith("md-") and len(plaintext) > 40
    row = ApiKey.objects.values().get(pk=stored.pk)
    assert plaintext not in str(row) and plaintext[11:19] not in str(row)
    assert row["prefix"] == plaintext[:11] and row["digest"] == digest_of(plaintext)


def test_a_key_in_use_appears_nowhere_but_its_prefix(llm, owner, admin_client, caplog, settings):
    """Used for every kind of request, failing ones too, the key's secret part is in no log line, no table of the
    database and no admin page (its visible prefix is, by design)."""
    import logging

    from django.core import serializers
    from django.db import connection

    plaintext = api_key_create(owner=owner, name="watched", rpm_limit=2)[1]
    secret = plaintext[11:]
    with caplog.at_level(logging.DEBUG):
        call(plaintext, chat)
        call(plaintext, lambda c: c.models.list())
        for model in ("team/echo-1-fault-500", "nobody/echo-1"):
            with pytest.raises(openai.APIError):
                call(plaintext, lambda c, m=model: chat(c, model=m))
        with pytest.raises(openai.AuthenticationError):
            call(plaintext + "x", chat)
    call_log.flush()
    logged = caplog.text + "".join(r.getMessage() for r in caplog.records)
    assert secret not in logged and secret[:8] not in logged
    dumped = "".join(serializers.serialize("json", model.objects.all()) for model in (ApiKey, CallLog))
    for table in connection.introspection.table_names():
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 -- names from the database itself
            dumped += repr(cursor.fetchall())
    assert secret not in dumped and secret[:8] not in dumped
    for page in ("/admin/gateway/apikey/", f"/admin/gateway/apikey/{ApiKey.objects.get(name='watched').pk}/change/"):
        html = admin_client.get(page).content.decode()
        assert plaintext[:11] in html and secret[:8] not in html


def test_the_command_prints_a_new_key_once(owner):
    out, err = StringIO(), StringIO()
    options = ("--expires-days", "30", "--rpm", "60", "--tpm", "1000", "--model", "team-chat")
    call_command("create_api_key", "--user", "app-owner", "--name", "ci", *options, stdout=out, stderr=err)
    plaintext = out.getvalue().strip()
    key = ApiKey.objects.get(digest=digest_of(plaintext))
    assert key.expires_at and key.owner == owner and key.prefix in err.getvalue()
    assert (key.rpm_limit, key.tpm_limit, key.allowed_models) == (60, 1000, ["team-chat"])
    with pytest.raises(CommandError, match="No user"):
        call_command("create_api_key", "--user", "nobody", "--name", "x")
    with pytest.raises(CommandError, match="expires-days"):
        call_command("create_api_key", "--user", "app-owner", "--name", "x", "--expires-days", "0")
    with pytest.raises(CommandError, match="--rpm must be 1 or more"):
        call_command("create_api_key", "--user", "app-owner", "--name", "x", "--rpm", "0")


def test_the_admin_shows_a_new_key_once(admin_client, owner):
    response = admin_client.post(
        "/admin/gateway/apikey/add/", {"name": "from admin", "owner": owner.pk, "allowed_models": "[]"}
    )
    page = response.content.decode()
    key = ApiKey.objects.get(name="from admin")
    shown = re.findall(r"md-[A-Za-z0-9_-]{43}", page)
    assert response.status_code == 200 and "shown this once" in page
    assert len(set(shown)) == 1 and digest_of(shown[0]) == key.digest  # the key itself, this once
    assert "no-store" in response["Cache-Control"]
    assert shown[0] not in str(dict(response.cookies)) and shown[0][11:19] not in str(admin_client.session.items())
    listing = admin_client.get("/admin/gateway/apikey/").content.decode()
    assert key.prefix in listing and shown[0] not in listing and shown[0][11:19] not in listing


def test_errors_speak_the_callers_language(llm, key):
    async def ask(client: openai.AsyncOpenAI) -> Any:
        return await chat(client, model="echo-1", extra_headers={"Accept-Language": "zh-Hans"})

    with pytest.raises(openai.NotFoundError) as raised:
        call(key, ask)
    assert "不存在" in raised.value.body["message"]
    with pytest.raises(openai.NotFoundError) as english:
        call(key, lambda c: chat(c, model="echo-1"))
    assert "does not exist" in english.value.body["message"]


@pytest.mark.parametrize("slug, path, extra", CHAT_PROVIDERS, ids=[c[0] for c in CHAT_PROVIDERS])
def test_every_chat_protocol_answers_through_v1_in_openais_format(point_at, key, slug, path, extra):
    """Whatever the provider's own wire format (Anthropic's messages, Ollama's NDJSON, Azure's deployments...),
    the caller speaks OpenAI's."""
    point_at(slug, path, name=f"p-{slug}", **extra)
    model = f"p-{slug}/{model_for(slug)}"
    answer = call(key, lambda c: chat(c, model=model))
    assert answer.choices[0].message.content == "Echo: hi"

    async def stream(client: openai.AsyncOpenAI) -> str:
        chunks = await chat(client, model=model, stream=True)
        return "".join([c.choices[0].delta.content or "" async for c in chunks if c.choices])

    assert call(key, stream) == "Echo: hi"


def test_embeddings_as_floats_and_as_the_sdks_base64(llm, key):
    async def embed(client: openai.AsyncOpenAI, **options: Any) -> Any:
        return await client.embeddings.create(model="team/embed-1", input=["one", "two"], **options)

    default = call(key, embed)  # the SDK asks for base64 and decodes it
    floats = call(key, lambda c: embed(c, encoding_format="float"))
    assert [d.index for d in default.data] == [0, 1] and default.model == "team/embed-1"
    assert len(default.data[0].embedding) == len(floats.data[0].embedding) > 0
    assert default.data[0].embedding == pytest.approx(floats.data[0].embedding, rel=1e-6)
    assert floats.usage.prompt_tokens == floats.usage.total_tokens
    with pytest.raises(openai.BadRequestError):
        call(key, lambda c: c.embeddings.create(model="team/embed-1", input=[]))


@pytest.mark.parametrize("fault", ["echo-key", "echo-key-long", "echo-key-encoded", "echo-key-header"])
def test_no_piece_of_the_credentials_secret_reaches_the_caller(llm, key, canary, fault, caplog):
    async def both(client: openai.AsyncOpenAI) -> str:
        seen = []
        for stream in (False, True):
            try:
                answer = await chat(client, model=f"team/echo-1-fault-{fault}", stream=stream)
                if stream:
                    seen += [c.model_dump_json() async for c in answer]
                else:
                    seen.append(answer.model_dump_json())
            except openai.APIError as error:
                seen.append(str(error.body))
        return " ".join(seen)

    text = call(key, both) + caplog.text
    pieces = {canary[i : i + 8] for i in range(len(canary) - 7)}
    assert not [p for p in pieces if p in text]
    assert key[11:] not in caplog.text


def test_an_unexpected_failure_is_openais_500(llm, key, monkeypatch):
    from gateway import asgi

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(asgi, "dispatch", type("Broken", (), {"chat_begin": broken}))
    with pytest.raises(openai.InternalServerError) as raised:
        call(key, chat)
    assert raised.value.body["type"] == "api_error" and "server log" in raised.value.body["message"]
