"""The inspector and "View code": a turn may keep the exact request and response (redacted), and any turn can be
shown as curl, Python and ``manage.py chat`` without a secret."""

from __future__ import annotations

import json

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
