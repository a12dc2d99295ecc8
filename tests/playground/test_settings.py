"""Settings that stay with the conversation, the credential picker's status, variables in the system message and
the JSON API's defaults."""

from __future__ import annotations

import json

import pytest

from credentials.models import Credential
from playground.forms import PlaygroundForm
from playground.models import Conversation, Message
from tests.playground.helpers import form

RUN, STREAM = "/playground/api/run/", "/playground/api/stream/"

SETTINGS = {
    "system": "You help {{name}}",
    "variables": '{"name": "IOLinker"}',
    "history": "on",
    "history_rounds": "3",
    "history_window": "90",
    "temperature": "0.7",
    "top_p": "0.9",
    "max_tokens": "200",
    "stop": "END\n###",
    "seed": "7",
    "presence_penalty": "0.5",
    "frequency_penalty": "-0.5",
    "response_format": "json_object",
    "thinking": "",
    "max_attempts": "2",
    "error_mode": "default",
    "default_value": "Sorry.",
}


def _post_json(client, url, payload):
    return client.post(url, json.dumps(payload), content_type="application/json")


def test_every_setting_is_stored_with_the_conversation_and_restored_when_it_is_reopened(player_client, llm):
    from providers.models import ProviderModel

    ProviderModel.objects.filter(name="echo-1").update(supports_json_mode=True)
    body = player_client.post(RUN, form(llm, "hi", **SETTINGS)).json()
    conversation = Conversation.objects.get(pk=body["conversation"])
    assert conversation.settings["system"] == "You help {{name}}"  # as typed, not filled in
    assert conversation.settings["stop"] == "END\n###" and conversation.settings["history"] is True
    initial = player_client.get(conversation.get_absolute_url()).context["form"].initial
    assert initial["credential"] == llm.pk and initial["model"] == "echo-1"
    assert initial["system"] == "You help {{name}}" and initial["variables"] == '{"name": "IOLinker"}'
    assert initial["history"] is True and initial["history_rounds"] == 3 and initial["history_window"] == 90
    assert (initial["temperature"], initial["top_p"], initial["max_tokens"], initial["seed"]) == (0.7, 0.9, 200, 7)
    assert (initial["presence_penalty"], initial["frequency_penalty"]) == (0.5, -0.5)
    assert initial["response_format"] == "json_object" and initial["max_attempts"] == 2
    assert (initial["error_mode"], initial["default_value"]) == ("default", "Sorry.")


def test_the_restored_page_shows_the_settings(player_client, llm):
    body = player_client.post(RUN, form(llm, "hi", system="Be terse.", temperature="0.3")).json()
    page = player_client.get(f"/playground/c/{body['conversation']}/").content.decode()
    assert "Be terse.</textarea>" in page and 'name="temperature" value="0.3"' in page


def test_a_new_conversation_starts_from_the_last_settings(player_client, llm):
    player_client.post(RUN, form(llm, "hi", model="", model_name="echo-typed", system="Be terse."))
    initial = player_client.get("/playground/").context["form"].initial
    assert initial["conversation"] == "" and initial["system"] == "Be terse."
    assert initial["credential"] == llm.pk and initial["model_name"] == "echo-typed"


@pytest.mark.parametrize("broken", ["failed", "needs_reentry"])
def test_a_new_conversation_never_starts_from_a_failing_credential(player_client, llm, point_at, broken):
    healthy = point_at("openai_compatible", name="zz-healthy")  # last in name order
    player_client.post(RUN, form(llm, "hi", system="Be terse."))
    if broken == "failed":
        Credential.objects.filter(pk=llm.pk).update(check_status="failed")
    else:
        Credential.objects.filter(pk=llm.pk).update(secrets={"api_key": "tampered"})
    page = player_client.get("/playground/")
    form_ = page.context["form"]
    assert form_.initial["credential"] == healthy.pk and "model" not in form_.initial
    assert form_.initial["system"] == "Be terse."  # the other settings still come along
    assert f'<option value="{healthy.pk}" selected>' in page.content.decode()


def test_a_reopened_conversation_keeps_its_own_credential_even_when_it_fails(player_client, llm, point_at):
    """It never moves to another provider unasked: the select shows its status instead."""
    point_at("openai_compatible", name="other")
    body = player_client.post(RUN, form(llm, "hi")).json()
    Credential.objects.filter(pk=llm.pk).update(check_status="failed")
    page = player_client.get(f"/playground/c/{body['conversation']}/")
    assert page.context["form"].initial["credential"] == llm.pk


def test_the_credential_select_shows_each_status_and_lists_failing_ones_last(player, point_at):
    names = {"a-failed": "failed", "b-ok": "ok", "c-unchecked": "unchecked", "d-unreadable": "ok"}
    for name, status in names.items():
        Credential.objects.filter(pk=point_at("openai_compatible", name=name).pk).update(check_status=status)
    Credential.objects.filter(name="d-unreadable").update(secrets={"api_key": "tampered"})
    labels = [label for value, label in PlaygroundForm(user=player).fields["credential"].choices if value]
    assert labels == ["b-ok (ok)", "c-unchecked (unchecked)", "a-failed (failed)", "d-unreadable (needs re-entry)"]
    assert PlaygroundForm(user=player)["credential"].value() == Credential.objects.get(name="b-ok").pk


def test_with_only_failing_credentials_none_is_preselected(player, llm):
    Credential.objects.filter(pk=llm.pk).update(check_status="failed")
    assert PlaygroundForm(user=player)["credential"].value() is None


def test_variables_fill_the_system_message(player_client, llm):
    body = player_client.post(
        RUN, form(llm, "hi {{name}}", system="You help {{name}}.", variables='{"name": "IOLinker"}')
    ).json()
    history = body["output"][0]["history"]
    assert history[0] == {"role": "system", "content": "You help IOLinker."}
    assert history[-1] == {"role": "user", "content": "hi IOLinker"}


def test_an_unknown_variable_in_the_system_message_is_an_error_on_that_field(player_client, llm):
    response = player_client.post(RUN, form(llm, "hi", system="You help {{who}}."))
    assert response.status_code == 400
    assert "{{who}}" in " ".join(response.json()["errors"]["system"])
    assert not Message.objects.exists()


def test_a_system_message_too_long_with_its_variables_is_refused_on_its_field(player, llm):
    f = PlaygroundForm(form(llm, system="{{v}}{{v}}", variables=json.dumps({"v": "x" * 60_000})), user=player)
    assert not f.is_valid() and "system message is longer" in " ".join(f.errors["system"])


def test_json_variables_may_be_an_object_and_non_text_values_are_inserted_as_json(player_client, llm):
    payload = {
        "credential": str(llm.pk),
        "model": "echo-1",
        "message": "{{user}} {{items}} {{flag}} {{user.name}}",
        "variables": {"user": {"name": "Ann", "age": 3}, "items": [1, "二"], "flag": True},
    }
    response = _post_json(player_client, RUN, payload)
    assert response.status_code == 200, response.json()
    content = response.json()["output"][0]["content"]
    assert content == 'Echo: {"name": "Ann", "age": 3} [1, "二"] true Ann'


def test_json_runs_need_only_the_credential_model_and_message(player_client, llm):
    """Every field with a default may be left out: error mode, attempts, history rounds, system message..."""
    response = _post_json(player_client, RUN, {"credential": str(llm.pk), "model": "echo-1", "message": "hi"})
    assert response.status_code == 200, response.json()
    output = response.json()["output"][0]
    assert output["content"] == "Echo: hi" and [m["role"] for m in output["history"]] == ["user"]


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"error_mode": "explode"}, "error_mode"),
        ({"max_attempts": 0}, "max_attempts"),
        ({"history_rounds": "many"}, "history_rounds"),
        ({"temperature": [1]}, "temperature"),
        ({"variables": [1, 2]}, "variables"),
        ({"credential": None}, "credential"),
    ],
)
def test_json_errors_name_their_field(player_client, llm, changes, field):
    payload = {"credential": str(llm.pk), "model": "echo-1", "message": "hi", **changes}
    for url in (RUN, STREAM):
        response = _post_json(player_client, url, payload)
        assert response.status_code == 400 and field in response.json()["errors"], response.json()


def test_a_json_turn_in_a_conversation_takes_its_stored_settings_unless_it_gives_them(player_client, llm):
    first = player_client.post(RUN, form(llm, "hi", system="Be terse.", variables='{"n": 1}')).json()
    payload = {"conversation": first["conversation"], "message": "n={{n}}"}
    output = _post_json(player_client, RUN, payload).json()["output"][0]
    assert output["history"] == [{"role": "system", "content": "Be terse."}, {"role": "user", "content": "n=1"}]
    output = _post_json(player_client, RUN, {**payload, "system": "", "variables": {"n": 2}}).json()["output"][0]
    assert output["history"] == [{"role": "user", "content": "n=2"}]


def test_the_pages_whole_form_is_taken_as_it_is(player_client, llm):
    """An unticked box is absent from a form post: it means off, not the stored value."""
    first = player_client.post(RUN, form(llm, "one", history="on")).json()
    output = player_client.post(RUN, form(llm, "two", conversation=first["conversation"])).json()["output"][0]
    assert output["history_rounds_loaded"] == 0
    assert Conversation.objects.get(pk=first["conversation"]).settings["history"] is False
