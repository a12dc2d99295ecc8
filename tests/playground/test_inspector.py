"""The inspector and "View code": a turn may keep the exact request and response (redacted), and any turn can be
shown as curl, Python and ``manage.py chat`` without a secret."""

from __future__ import annotations

import json

import pytest

from playground.models import Message
from tests.playground.helpers import form

RUN, CODE = "/playground/api/run/", "/playground/api/code/"


def test_a_turn_with_the_inspector_keeps_its_request_and_response(player_client, llm, canary):
    player_client.post(RUN, form(llm, "hi", inspect="on"))
    reply = Message.objects.get(role="assistant")
    answer = player_client.get(f"/playground/api/messages/{reply.pk}/exchange/").json()["exchange"]
    assert answer["request"]["url"].endswith("/v1/chat/completions")
    assert answer["request"]["headers"]["authorization"] == "Bearer [REDACTED]"
    assert json.loads(answer["response"]["body"])["choices"][0]["message"]["content"] == "Echo: hi"
    assert canary[-8:] not in json.dumps(answer)


def test_without_the_inspector_nothing_is_kept(player_client, llm):
    player_client.post(RUN, form(llm, "hi"))
    reply = Message.objects.get(role="assistant")
    assert reply.exchange is None
    assert player_client.get(f"/playground/api/messages/{reply.pk}/exchange/").status_code == 404


def test_a_failed_turn_keeps_the_providers_answer(player_client, llm):
    player_client.post(RUN, {**form(llm, "hi", inspect="on"), "model_name": "echo-fault-429", "max_attempts": "1"})
    failed = Message.objects.get(role="user")
    answer = player_client.get(f"/playground/api/messages/{failed.pk}/exchange/").json()["exchange"]
    assert answer["response"]["status"] == 429


def test_view_code_writes_the_turn_without_its_secret(player_client, llm, canary):
    body = player_client.post(CODE, form(llm, "say {{word}}", variables='{"word": "hello"}')).json()
    assert "$OPENAI_COMPATIBLE_API_KEY" in body["curl"] and body["env"] == ["OPENAI_COMPATIBLE_API_KEY"]
    assert "say hello" in body["python"] and "manage.py chat" in body["command"]
    assert canary[-8:] not in json.dumps(body)
    assert not Message.objects.exists()  # nothing was sent, nothing stored


def test_someone_elses_message_is_not_found(player_client, llm, client, django_user_model):
    player_client.post(RUN, form(llm, "hi", inspect="on"))
    reply = Message.objects.get(role="assistant")
    other = django_user_model.objects.create_superuser(username="other", password="pw-other-123")
    client.force_login(other)
    assert client.get(f"/playground/api/messages/{reply.pk}/exchange/").status_code == 404


@pytest.mark.django_db(transaction=True)  # the gateway's threads read the key the test wrote
def test_view_code_offers_the_same_call_through_v1_and_it_works(player_client, llm, canary):
    import shlex

    import httpx

    from config.asgi import application
    from gateway.keys import api_key_create
    from tests.asgi_client import run_async

    body = player_client.post(CODE, form(llm, "say {{word}}", variables='{"word": "hello"}')).json()
    snippet = body["gateway"]
    assert "http://testserver/v1/chat/completions" in snippet and "$MODELDESK_API_KEY" in snippet
    assert body["gateway_env"] == ["MODELDESK_API_KEY"]  # the tab's variable, not the provider's
    assert "OpenAI(base_url='http://testserver/v1', api_key=os.environ[\"MODELDESK_API_KEY\"])" in snippet
    assert canary[-8:] not in snippet

    words = shlex.split(snippet.split("\n\n#")[0].replace("\\\n", " "))
    sent = json.loads(words[words.index("-d") + 1])
    user = player_client.get("/playground/").wsgi_request.user
    key = api_key_create(owner=user, name="snippet")[1]

    async def post() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://t") as client:
            return await client.post("/v1/chat/completions", json=sent, headers={"Authorization": f"Bearer {key}"})

    answer = run_async(post())
    assert answer.status_code == 200, answer.text
    assert answer.json()["choices"][0]["message"]["content"] == "Echo: say hello"
