"""Conversations and messages: search, rename, delete, export; regenerate with alternatives, edit and resend,
delete a message, choose a reply; only for the owner; the error pages."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from playground.models import Conversation, Message
from tests.playground.helpers import form

RUN = "/playground/api/run/"
API = "/playground/api/conversations/"


def start(client, credential, *messages, **extra):
    """A conversation with one turn per message; its id."""
    conversation = ""
    for text in messages:
        fields = form(credential, text, conversation=conversation, history="on", history_rounds="5", **extra)
        conversation = client.post(RUN, fields).json()["conversation"]
    return conversation


def _json(client, url, payload=None):
    return client.post(url, json.dumps(payload or {}), content_type="application/json")


def test_the_sidebar_and_the_api_search_titles_and_messages(player_client, llm):
    cooking = start(player_client, llm, "How do I cook rice?")
    start(player_client, llm, "Tell me about Rust")
    Conversation.objects.filter(pk=cooking).update(title="Kitchen")
    page = player_client.get("/playground/", {"q": "rice"})
    assert [str(c.pk) for c in page.context["conversations"]] == [cooking]
    found = player_client.get(API, {"q": "kitchen"}).json()["conversations"]
    assert [c["id"] for c in found] == [cooking] and found[0]["title"] == "Kitchen"
    assert len(player_client.get(API).json()["conversations"]) == 2
    assert "No conversation matches." in player_client.get("/playground/", {"q": "zebra"}).content.decode()


def test_a_conversation_is_renamed_and_keeps_the_name(player_client, llm):
    conversation = start(player_client, llm, "first")
    response = _json(player_client, f"{API}{conversation}/rename/", {"title": "  My   plan "})
    assert response.status_code == 200 and response.json()["conversation"]["title"] == "My plan"
    assert player_client.post(f"{API}{conversation}/rename/", {"title": "Form post"}).status_code == 200
    assert Conversation.objects.get(pk=conversation).title == "Form post"
    bad = _json(player_client, f"{API}{conversation}/rename/", {"title": ""})
    assert bad.status_code == 400 and "title" in bad.json()["errors"]
    long = _json(player_client, f"{API}{conversation}/rename/", {"title": "x" * 61})
    assert long.status_code == 400 and "title" in long.json()["errors"]


def test_a_conversation_is_deleted_with_its_messages(player_client, llm):
    conversation = start(player_client, llm, "first", "second")
    response = player_client.post(f"{API}{conversation}/delete/")
    assert response.status_code == 200 and response.json() == {"deleted": conversation}
    assert not Conversation.objects.exists() and not Message.objects.exists()


def test_the_api_returns_the_conversation_with_its_settings_and_every_message(player_client, llm):
    conversation = start(player_client, llm, "first", system="Be terse.")
    body = player_client.get(f"{API}{conversation}/").json()
    assert body["conversation"]["settings"]["system"] == "Be terse."
    assert [(m["role"], m["content"]) for m in body["messages"]] == [("user", "first"), ("assistant", "Echo: first")]


def test_exports_as_the_nodes_json_output_and_as_markdown(player_client, llm):
    conversation = start(player_client, llm, "one", "two", system="Help {{who}}", variables='{"who": "Ann"}')
    response = player_client.get(f"/playground/c/{conversation}/export.json")
    assert (
        response["Content-Disposition"].startswith("attachment; filename=")
        and ".json" in response["Content-Disposition"]
    )
    items = json.loads(response.content)
    assert [(i["content"], i["history"]) for i in items] == [
        ("Echo: one", [{"role": "system", "content": "Help Ann"}, {"role": "user", "content": "one"}]),
        (
            "Echo: two",
            [
                {"role": "system", "content": "Help Ann"},
                {"role": "user", "content": "one"},
                {"role": "assistant", "content": "Echo: one"},
                {"role": "user", "content": "two"},
            ],
        ),
    ]
    markdown = player_client.get(f"/playground/c/{conversation}/export.md")
    assert markdown["Content-Type"].startswith("text/markdown")
    text = markdown.content.decode()
    assert "## System\n\nHelp Ann" in text and "## You\n\none" in text and "## Assistant (echo-1)\n\nEcho: two" in text


def test_regenerate_keeps_the_earlier_reply_as_an_alternative(player_client, llm):
    conversation = start(player_client, llm, "one", "two")
    first_reply = Message.objects.get(content="Echo: two")
    response = _json(player_client, f"{API}{conversation}/regenerate/", {"model": "", "model_name": "echo-again"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["output"][0]["content"] == "Echo: two"
    assert body["message"] == Message.objects.get(content="two").pk
    alternatives = body["alternatives"]
    assert (alternatives[0]["id"], alternatives[0]["superseded"]) == (first_reply.pk, True)
    assert alternatives[-1]["model"] == "echo-again" and not alternatives[-1]["superseded"]
    # the history sent was the earlier rounds only, with the stored settings (history on)
    assert [m["content"] for m in body["output"][0]["history"]] == [
        "You are a helpful assistant",
        "one",
        "Echo: one",
        "two",
    ]
    page = player_client.get(f"/playground/c/{conversation}/")
    assert first_reply not in list(page.context["messages"])  # the transcript shows the current reply only
    assert Message.objects.filter(role="user").count() == 2


def test_regenerate_can_stream(player_client, llm):
    conversation = start(player_client, llm, "one")
    response = player_client.post(f"{API}{conversation}/regenerate/?stream=1")
    events = b"".join(response.streaming_content).decode()
    assert response["Content-Type"] == "text/event-stream" and "event: done" in events
    assert Message.objects.filter(role="assistant", superseded=True).count() == 1


def test_regenerating_a_failed_message_retries_it(player_client, llm):
    conversation = player_client.post(RUN, form(llm, "lost", model="", model_name="echo-fault-503")).json()[
        "conversation"
    ]
    response = _json(player_client, f"{API}{conversation}/regenerate/", {"model_name": "echo-1"})
    assert response.status_code == 200 and response.json()["output"][0]["content"] == "Echo: lost"
    assert Message.objects.get(role="user").error == ""


def test_a_failed_regeneration_keeps_the_shown_reply(player_client, llm):
    conversation = start(player_client, llm, "one")
    response = _json(player_client, f"{API}{conversation}/regenerate/", {"model_name": "echo-fault-503"})
    assert response.status_code == 502 and response.json()["error"]["type"] == "provider_unavailable"
    assert Message.objects.get(role="user").error == ""
    assert Message.objects.get(role="assistant").superseded is False


def test_edit_and_resend_replaces_the_text_and_removes_what_followed(player_client, llm):
    conversation = start(player_client, llm, "one", "two", "three")
    two = Message.objects.get(content="two")
    response = _json(
        player_client, f"/playground/api/messages/{two.pk}/edit/", {"message": "2 {{x}}", "variables": {"x": "!"}}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["output"][0]["content"] == "Echo: 2 !"
    contents = list(Message.objects.filter(conversation_id=conversation).values_list("content", flat=True))
    assert contents == ["one", "Echo: one", "2 !", "Echo: 2 !"]
    empty = _json(player_client, f"/playground/api/messages/{two.pk}/edit/", {"message": " "})
    assert empty.status_code == 400 and "message" in empty.json()["errors"]
    reply = Message.objects.get(content="Echo: one")
    assert _json(player_client, f"/playground/api/messages/{reply.pk}/edit/", {"message": "x"}).status_code == 400


def test_deleting_a_message_deletes_its_replies(player_client, llm):
    conversation = start(player_client, llm, "one", "two")
    _json(player_client, f"{API}{conversation}/regenerate/")
    two = Message.objects.get(content="two")
    response = player_client.post(f"/playground/api/messages/{two.pk}/delete/")
    assert response.status_code == 200 and len(response.json()["deleted"]) == 3
    assert list(Message.objects.values_list("content", flat=True)) == ["one", "Echo: one"]


def test_deleting_the_shown_reply_shows_its_latest_alternative(player_client, llm):
    conversation = start(player_client, llm, "one")
    _json(player_client, f"{API}{conversation}/regenerate/", {"model_name": "echo-b"})
    shown = Message.objects.get(role="assistant", superseded=False)
    assert shown.model == "echo-b"
    player_client.post(f"/playground/api/messages/{shown.pk}/delete/")
    assert list(Message.objects.filter(role="assistant").values_list("model", "superseded")) == [("echo-1", False)]


def test_choosing_an_alternative_makes_it_the_history(player_client, llm):
    conversation = start(player_client, llm, "one")
    _json(player_client, f"{API}{conversation}/regenerate/", {"model_name": "echo-b"})
    first = Message.objects.filter(role="assistant").order_by("pk").first()
    response = player_client.post(f"/playground/api/messages/{first.pk}/choose/")
    assert response.status_code == 200 and response.json()["message"]["superseded"] is False
    assert list(Message.objects.filter(role="assistant").order_by("pk").values_list("superseded", flat=True)) == [
        False,
        True,
    ]
    question = Message.objects.get(role="user")
    assert player_client.post(f"/playground/api/messages/{question.pk}/choose/").status_code == 400


@pytest.mark.parametrize(
    "method, url",
    [
        ("get", API + "{c}/"),
        ("post", API + "{c}/rename/"),
        ("post", API + "{c}/delete/"),
        ("post", API + "{c}/regenerate/"),
        ("post", "/playground/api/messages/{m}/edit/"),
        ("post", "/playground/api/messages/{m}/delete/"),
        ("post", "/playground/api/messages/{m}/choose/"),
    ],
)
def test_other_users_get_a_json_404(player_client, admin_client, llm, method, url):
    conversation = start(admin_client, llm, "admin secret")
    message = Message.objects.get(role="assistant")
    target = url.format(c=conversation, m=message.pk)
    response = getattr(player_client, method)(target, {"title": "mine", "message": "mine"})
    assert response.status_code == 404 and response.json()["error"]["type"] == "not_found"
    assert Message.objects.count() == 2 and Conversation.objects.get().title != "mine"


def test_other_users_cannot_export(player_client, admin_client, llm):
    conversation = start(admin_client, llm, "admin secret")
    for suffix in ("export.json", "export.md"):
        response = player_client.get(f"/playground/c/{conversation}/{suffix}")
        assert response.status_code == 404 and "admin secret" not in response.content.decode()


def test_posts_need_the_csrf_token(player, llm):
    owner = Client()
    owner.force_login(player)
    conversation = start(owner, llm, "first")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(player)
    assert strict.post(f"{API}{conversation}/delete/").status_code == 403
    assert Conversation.objects.exists()


def test_the_transcript_shows_a_stopped_reply_as_stopped(player_client, llm, player):
    from playground.services import RunRequest, playground_stream

    events = playground_stream(RunRequest(user=player, credential=llm, model="echo-1", system="", message="hello"))
    conversation = next(events)[1]["conversation"]
    next(events)
    events.close()
    page = player_client.get(f"/playground/c/{conversation}/").content.decode()
    assert "is-stopped" in page and "Stopped before the reply was complete." in page
    assert "is-failed" not in page


def test_the_404_and_403_pages_use_the_site_layout_with_a_way_back(
    player_client, admin_client, client, django_user_model
):
    page = player_client.get("/playground/nowhere/")
    html = page.content.decode()
    assert page.status_code == 404 and 'class="pg-header"' in html and 'href="/playground/"' in html
    assert "Back to the playground" in html and "Go to the admin" not in html
    assert "Go to the admin" in admin_client.get("/playground/nowhere/").content.decode()
    client.force_login(django_user_model.objects.create_user(username="nobody", password="pw-nobody-123"))
    refused = client.get("/playground/")
    assert refused.status_code == 403 and "Back to the playground" in refused.content.decode()
    missing = player_client.get("/playground/c/00000000-0000-0000-0000-000000000000/")
    assert missing.status_code == 404 and "Back to the playground" in missing.content.decode()
