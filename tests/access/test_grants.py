"""Who may use which credential and model: nothing is shared until an admin grants it (issue 13)."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.test import Client

from access.models import Grant
from calls import services
from core.errors import AccessDenied
from playground.models import Conversation
from wire.types import Message

RUN, STREAM, CREDENTIALS, MODELS = (
    "/playground/api/run/",
    "/playground/api/stream/",
    "/playground/api/credentials/",
    "/playground/api/models/",
)
LIVE_COMPARE = "/playground/api/compare/stream/"


def run(client: Client, credential, model: str = "echo-1", url: str = RUN):
    body = {"credential": str(credential.pk), "model_name": model, "message": "hi"}
    return client.post(url, json.dumps(body), content_type="application/json")


def picker_names(client: Client) -> list[str]:
    response = client.get(CREDENTIALS)
    assert response.status_code == 200
    return [c["name"] for c in response.json()["credentials"]]


def test_a_user_without_a_grant_sees_and_uses_nothing(llm, player_client, player):
    """The pickers, the page, the models API, the run and stream endpoints and live compare all refuse, with a
    403 that names the credential; nothing is stored."""
    assert picker_names(player_client) == []
    page = player_client.get("/playground/").content.decode()
    assert llm.name not in page
    assert player_client.get(MODELS, {"credential": str(llm.pk)}).status_code == 400
    for url in (RUN, STREAM):
        refused = run(player_client, llm, url=url)
        assert refused.status_code == 403, refused.content
        error = refused.json()["error"]
        assert error["type"] == "access_denied" and llm.name in error["message"] and error["credential"] == llm.name
    live = player_client.post(
        LIVE_COMPARE,
        json.dumps({"message": "hi", "columns": [{"credential": str(llm.pk), "model": "echo-1"}]}),
        content_type="application/json",
    )
    assert live.status_code == 403 and live.json()["error"]["type"] == "access_denied"
    assert not Conversation.objects.exists()


def test_the_compare_page_says_which_credential_is_not_granted(llm, player_client):
    form = {"message": "hi", "credential_1": str(llm.pk), "model_1": "echo-1"}
    page = player_client.post("/playground/compare/", form)
    assert page.status_code == 400
    assert "You have no access to the credential" in page.content.decode()


def test_the_service_layer_refuses_a_call_without_a_grant(llm, player):
    with pytest.raises(AccessDenied, match="no access to the credential"):
        services.chat(messages=[Message("user", "hi")], credential=llm, model="echo-1", user=player)
    # A call with no user (a command's, the operator's) needs no grant.
    assert services.chat(messages=[Message("user", "hi")], credential=llm, model="echo-1").content


def test_a_grant_of_one_model_allows_that_model_only(llm, other, player_client, player):
    grant = Grant.objects.create(user=player, credential=llm)
    grant.only_models.set(llm.provider.models.filter(name="echo-1"))
    assert picker_names(player_client) == [llm.name]
    models = player_client.get(MODELS, {"credential": str(llm.pk)}).json()["models"]
    assert [m["name"] for m in models] == ["echo-1"]
    assert run(player_client, llm, "echo-1").status_code == 200
    refused = run(player_client, llm, "echo-2")
    assert refused.status_code == 403
    assert "does not include the model “echo-2”" in refused.json()["error"]["message"]
    assert refused.json()["error"]["model"] == "echo-2"
    assert run(player_client, other, "deepseek-chat").status_code == 403


def test_a_grant_to_a_group_reaches_its_members_and_leaving_the_group_ends_it(llm, player_client, player, team):
    Grant.objects.create(group=team, credential=llm)
    assert picker_names(player_client) == []
    player.groups.add(team)
    assert picker_names(player_client) == [llm.name]  # seen on the next request: the cache's version moved
    assert run(player_client, llm).status_code == 200
    player.groups.remove(team)
    assert run(player_client, llm).status_code == 403


def test_a_grant_to_everyone_and_a_type_limited_grant(llm, player_client, player):
    Grant.objects.create(credential=llm, model_types=["text-embedding"])
    assert picker_names(player_client) == []  # the playground chats: an embeddings-only grant offers nothing
    refused = run(player_client, llm)
    assert refused.status_code == 403 and "does not include llm models" in refused.json()["error"]["message"]
    Grant.objects.create(credential=llm)  # everyone, every type
    assert run(player_client, llm).status_code == 200


def test_a_disabled_grant_allows_nothing(llm, player_client, player):
    Grant.objects.create(user=player, credential=llm, enabled=False)
    assert run(player_client, llm).status_code == 403


def test_staff_who_may_change_credentials_see_everything_other_staff_need_grants(llm, django_user_model):
    staff = django_user_model.objects.create_user(username="ops", password="pw-ops-123", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="use_playground"))
    client = Client()
    client.force_login(staff)
    assert picker_names(client) == []
    staff.user_permissions.add(Permission.objects.get(codename="change_credential"))
    assert picker_names(client) == [llm.name]
    assert run(client, llm, "any-model-name").status_code == 200


def test_the_refusal_is_in_chinese_for_a_chinese_page(llm, player_client):
    refused = player_client.post(
        RUN,
        json.dumps({"credential": str(llm.pk), "model_name": "echo-1", "message": "hi"}),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert refused.status_code == 403
    assert "你没有使用凭据" in refused.json()["error"]["message"]


def test_the_chat_command_enforces_the_grants_of_its_user(llm, player):
    with pytest.raises(CommandError, match="no access to the credential"):
        call_command("chat", "hi", "--credential", llm.name, "--model", "echo-1", "--user", player.username)
    assert not Conversation.objects.exists()
    Grant.objects.create(user=player, credential=llm)
    call_command("chat", "hi", "--credential", llm.name, "--model", "echo-1", "--user", player.username)
    assert Conversation.objects.filter(user=player).count() == 1


def test_the_chat_command_without_a_user_is_the_operators(llm, capsys):
    """No superuser exists, so the conversation goes to the service account, which has no grant: the terminal's
    operator needs none."""
    call_command("chat", "hi", "--credential", llm.name, "--model", "echo-1")
    assert Conversation.objects.count() == 1


def test_grant_and_revoke_commands(llm, player, team, capsys):
    call_command("grant", "--user", player.username, "--credential", llm.name, "--model", "echo-1")
    assert "Granted user player fake-openai_compatible: echo-1." in capsys.readouterr().out
    grant = Grant.objects.get(user=player)
    assert [m.name for m in grant.only_models.all()] == ["echo-1"]
    call_command("grant", "--group", team.name, "--credential", llm.name, "--type", "llm")
    assert Grant.objects.get(group=team).model_types == ["llm"]
    call_command("revoke", "--user", player.username, "--credential", llm.name)
    assert "Revoked 1 grant(s)" in capsys.readouterr().out
    assert not Grant.objects.filter(user=player).exists()
    for args, reason in [
        (["--user", "nobody", "--credential", llm.name], "Unknown user 'nobody'"),
        (["--user", player.username, "--credential", "nope"], "Unknown credential 'nope'"),
        (["--user", player.username, "--credential", llm.name, "--model", "gpt-9"], "no model named 'gpt-9'"),
    ]:
        with pytest.raises(CommandError, match=reason):
            call_command("grant", *args)
    with pytest.raises(CommandError, match="has no grant"):
        call_command("revoke", "--user", player.username, "--credential", llm.name)


def test_the_page_says_when_nothing_is_shared_yet(llm, player_client):
    page = player_client.get("/playground/").content.decode()
    assert "No credential is shared with you yet. Ask an admin for a grant." in page
    Grant.objects.create(credential=llm)
    assert "No credential is shared with you yet" not in player_client.get("/playground/").content.decode()


def test_many_grants_narrow_the_pickers_as_a_few_do(llm, player, player_client, settings, monkeypatch):
    """Past ``IDS_INLINE`` granted credentials the list is narrowed by a subquery: the same credentials."""
    from access import selectors
    from credentials.models import Credential

    Grant.objects.create(user=player, credential=llm)
    others = [Credential.objects.create(provider=llm.provider, name=f"other-{i}") for i in range(3)]
    Grant.objects.create(user=player, credential=others[0])
    Grant.objects.create(user=player, credential=others[1], model_types=["rerank"])  # not for chat
    inline = sorted(picker_names(player_client))
    monkeypatch.setattr(selectors, "IDS_INLINE", 1)
    assert sorted(picker_names(player_client)) == inline == sorted([llm.name, "other-0"])
