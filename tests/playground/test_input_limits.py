"""Input limits of the playground endpoints, the compare page and the chat command: bad input is a 400 that names
the field, stored nowhere, the same on SQLite and PostgreSQL; never a 500."""

from __future__ import annotations

import json
from io import StringIO
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test.client import encode_multipart

from playground.models import Conversation, Message
from tests.playground.helpers import form

RUN, STREAM = "/playground/api/run/", "/playground/api/stream/"
DEEP = 100_000
TEN_MB = 10 * 1024 * 1024


def post_json(client, url, payload):
    body = payload if isinstance(payload, str) else json.dumps(payload)
    return client.post(url, body, content_type="application/json")


def errors_of(response, field):
    assert response.status_code == 400, response.content[:500]
    errors = response.json()["errors"]
    assert field in errors, errors
    return " ".join(errors[field])


def nothing_stored():
    return not Conversation.objects.exists() and not Message.objects.exists()


@pytest.mark.parametrize("url", [RUN, STREAM])
def test_variables_nested_100000_deep_in_a_json_body_are_refused_naming_variables(player_client, llm, url):
    """A JSON body whose variables nest 100,000 deep is a 400 naming ``variables``, not a RecursionError."""
    body = json.dumps(form(llm, "hi {{a}}"))[:-1] + ', "variables": {"a": ' + "[" * DEEP + "]" * DEEP + "}}"
    assert "nested deeper than 64 levels" in errors_of(post_json(player_client, url, body), "variables")
    assert nothing_stored()


@pytest.mark.parametrize("url", [RUN, STREAM])
def test_a_json_body_nested_100000_deep_is_refused(player_client, llm, url):
    """A body that is only brackets, 100,000 deep, is a 400 about the body, not a RecursionError."""
    response = post_json(player_client, url, "[" * DEEP)
    assert "nested deeper than" in errors_of(response, "__all__")


@pytest.mark.parametrize("url", [RUN, STREAM])
def test_a_variables_text_nested_100000_deep_is_refused(player_client, llm, url):
    """The variables field's JSON text nested 100,000 deep (form post or JSON body) is a 400 naming ``variables``:
    over the length limit; 30,000 deep fits the length limit and is refused for its depth, before parsing."""
    for depth, fragment in ((DEEP, "at most 65536 characters"), (30_000, "nested deeper than 64 levels")):
        deep = "[" * depth + "]" * depth
        assert fragment in errors_of(player_client.post(url, form(llm, variables=deep)), "variables")
        assert fragment in errors_of(post_json(player_client, url, form(llm, variables=deep)), "variables")
    assert nothing_stored()


def test_variables_may_be_sent_as_a_json_object(player_client, llm):
    """Scripts may send ``variables`` as the object itself; it is used as JSON, not as Python's repr of it."""
    payload = {**form(llm, "I am {{user.name}}"), "variables": {"user": {"name": "IOLinker"}}}
    assert post_json(player_client, RUN, payload).json()["output"][0]["content"] == "Echo: I am IOLinker"


@pytest.mark.parametrize("field, value", [("message", {"text": "hi"}), ("system", ["a"]), ("temperature", [1])])
def test_a_nested_value_for_any_other_field_is_refused_naming_it(player_client, llm, field, value):
    """A JSON object or list for a text or number field is a 400 naming it, never stringified."""
    assert "not as a JSON object or list" in errors_of(
        post_json(player_client, RUN, {**form(llm), field: value}), field
    )
    assert nothing_stored()


@pytest.mark.parametrize("url", [RUN, STREAM])
@pytest.mark.parametrize("field", ["model", "model_name"])
def test_a_10000_character_model_name_is_refused_and_nothing_is_stored(player_client, llm, url, field):
    """A model name longer than the 200-character column is a 400 naming the field, on every database."""
    response = player_client.post(url, form(llm, **{field: "m" * 10_000}))
    assert "Model names have at most 200 characters (this one has 10000)" in errors_of(response, field)
    assert nothing_stored()


@pytest.mark.parametrize("name", ["echo-1\nINFO forged log line", "echo\t1", "echo-1\x00", "echo-\u202e1-ohce"])
@pytest.mark.parametrize("field", ["model", "model_name"])
def test_a_model_name_with_control_characters_is_refused(player_client, llm, field, name):
    """Newline, tab, NUL and U+202E (right-to-left override) in a model name are a 400 that shows the code point."""
    message = errors_of(player_client.post(RUN, form(llm, **{field: name})), field)
    assert "control or invisible formatting characters" in message and "U+" in message
    assert not any(char in message for char in "\n\t\x00\u202e")
    assert nothing_stored()


@pytest.mark.parametrize("url", [RUN, STREAM])
def test_a_variable_that_puts_a_null_character_into_the_message_is_refused(player_client, llm, url):
    """A variable value with U+0000 would fail on PostgreSQL's text columns: a 400 naming ``message`` instead."""
    for response in (
        player_client.post(url, form(llm, "hi {{who}}", variables='{"who": "a\\u0000b"}')),
        post_json(player_client, url, {**form(llm, "hi {{who}}"), "variables": {"who": "a\x00b"}}),
    ):
        assert "Null characters" in errors_of(response, "message")
    assert nothing_stored()


@pytest.mark.parametrize("field", ["system", "message", "variables", "default_value", "model_name"])
def test_a_null_character_in_any_text_field_is_refused(player_client, llm, field):
    """NUL typed into any text field (form post or JSON body) is a 400 naming that field.

    Django's CharField already refuses NUL in its own input: this guards every field of the form against a
    replacement that would not."""
    changes = {field: "a\x00b", "error_mode": "default", "default_value": "sorry"}
    if field == "default_value":
        changes["default_value"] = "a\x00b"
    errors_of(player_client.post(RUN, form(llm, **changes)), field)
    errors_of(post_json(player_client, RUN, form(llm, **changes)), field)
    assert nothing_stored()


def test_a_message_that_variables_make_too_long_is_refused(player_client, llm):
    """A short message that repeats a large variable is refused while it is built, naming ``message``."""
    variables = json.dumps({"big": "x" * 60_000})
    response = player_client.post(RUN, form(llm, "{{big}}" * 2_000, variables=variables))
    assert "longer than 100000 characters" in errors_of(response, "message")
    assert nothing_stored()


@pytest.mark.parametrize(
    "field, limit", [("message", 100_000), ("system", 100_000), ("default_value", 100_000), ("variables", 65_536)]
)
def test_text_fields_have_a_length_limit(player_client, llm, field, limit):
    """Each text field has a length limit, reported on that field."""
    changes = {field: "x" * (limit + 1), "error_mode": "default", "default_value": "sorry"}
    if field == "default_value":
        changes[field] = "x" * (limit + 1)
    assert f"at most {limit} characters" in errors_of(player_client.post(RUN, form(llm, **changes)), field)
    assert nothing_stored()


@pytest.mark.parametrize(
    "field, value, fragment",
    [
        ("temperature", -5, "temperature must be from 0 to 2"),
        ("temperature", 2.5, "temperature must be from 0 to 2"),
        ("top_p", 1.5, "top_p must be from 0 to 1"),
        ("top_p", -0.1, "top_p must be from 0 to 1"),
        ("max_tokens", 10**30, "max_tokens must be from 1 to 1000000"),
    ],
)
def test_typed_model_names_get_generic_parameter_bounds(player_client, llm, field, value, fragment):
    """A model the catalog does not know has no rules of its own: the generic bounds apply, named in the error."""
    payload = {**form(llm, model="", model_name="echo-typed"), field: value}
    assert fragment in errors_of(post_json(player_client, RUN, payload), field)
    assert fragment in errors_of(player_client.post(RUN, {k: str(v) for k, v in payload.items()}), field)
    assert nothing_stored()


def test_generic_bounds_fill_in_what_a_catalog_models_rules_leave_open(player_client, llm):
    """A catalog model whose rules set no maximum still gets the generic one, under the model's name."""
    from providers.models import ProviderModel

    ProviderModel.objects.filter(name="echo-1").update(max_tokens_max=None)
    response = post_json(player_client, RUN, {**form(llm), "max_tokens": 10**30})
    assert "echo-1 accepts max_tokens from 1 to 1000000" in errors_of(response, "max_tokens")


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e400"])
def test_temperature_must_be_finite(player_client, llm, value):
    """nan and infinities are not numbers a provider accepts (Django's FloatField already says so: kept as a guard)."""
    errors_of(player_client.post(RUN, form(llm, model="", model_name="echo-typed", temperature=value)), "temperature")
    body = json.dumps(form(llm, model="", model_name="echo-typed"))[:-1] + ', "temperature": NaN}'
    errors_of(post_json(player_client, RUN, body), "temperature")
    assert nothing_stored()


def test_a_json_zero_is_sent_as_zero(player_client, llm, fake_provider):
    """``"temperature": 0`` in a JSON body is the number 0, not a missing value (0 == False in Python)."""
    response = post_json(player_client, RUN, {**form(llm), "temperature": 0})
    assert response.status_code == 200
    sent = json.loads(fake_provider.requests[-1].body)
    assert sent["temperature"] == 0


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"variables": '{"n": ' + "9" * 5_000 + "}"}, "variables"),
        ({"message": "hi {{items.²}}", "variables": '{"items": [1]}'}, "message"),
        ({"message": "hi {{items.--1}}", "variables": '{"items": [1]}'}, "message"),
        ({"message": "hi {{items." + "1" * 5_000 + "}}", "variables": '{"items": [1]}'}, "message"),
    ],
)
def test_odd_variables_are_errors_not_crashes(player_client, llm, changes, field):
    """A 5,000-digit number, or a list index Python's int() refuses, is a 400 naming the field."""
    errors_of(player_client.post(RUN, form(llm, **changes)), field)


def test_the_compare_page_refuses_bad_model_names(player_client, llm):
    """Each compare slot's model name follows the same rule: the page answers 400 with the error."""
    data = {"message": "hi", "credential_1": str(llm.pk), "model_1": "echo-1\nforged", "credential_2": str(llm.pk)}
    response = player_client.post("/playground/compare/", {**data, "model_2": "m" * 10_000})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "control or invisible" in " ".join(errors["model_1"]) and "at most 200" in " ".join(errors["model_2"])


@pytest.mark.parametrize(
    "model, reason", [("echo-1\nINFO forged", "U+000A"), ("m" * 201, "at most 200 characters"), ("a\u202eb", "U+202E")]
)
def test_the_chat_command_refuses_a_bad_model_name_in_one_line(point_at, admin_user, model, reason):
    """``chat --model`` follows the playground's rule; the reason is one line, without the raw character."""
    point_at("openai_compatible", name="fake")
    with pytest.raises(CommandError) as info:
        call_command("chat", "--credential", "fake", "--model", model, "hi", stdout=StringIO())
    message = str(info.value)
    assert message.startswith("--model: ") and reason in message
    assert "\n" not in message and "\u202e" not in message
    assert nothing_stored()


def test_the_chat_command_refuses_a_null_character_from_a_variable(point_at, admin_user):
    """``--var`` values are JSON, so they can hold U+0000: refused before anything is stored."""
    point_at("openai_compatible", name="fake")
    with pytest.raises(CommandError, match="Null characters"):
        call_command("chat", "--credential", "fake", "--model", "echo-1", "--var", 'x="\\u0000"', "hi {{x}}")
    assert nothing_stored()


def test_the_chat_command_refuses_a_variable_nested_too_deep(point_at, admin_user):
    """A ``--var`` value nested 50,000 deep is a one-line error, not a RecursionError."""
    point_at("openai_compatible", name="fake")
    deep = "[" * 50_000 + "]" * 50_000
    with pytest.raises(CommandError, match="--var x: nested deeper than 64 levels"):
        call_command("chat", "--credential", "fake", "--model", "echo-1", "--var", f"x={deep}", "hi {{x}}")


def test_the_chat_command_bounds_history(point_at, admin_user):
    """``--history`` takes 0 to 100 rounds, as the playground's form does."""
    point_at("openai_compatible", name="fake")
    with pytest.raises(CommandError, match="--history must be from 0 to 100"):
        call_command("chat", "--credential", "fake", "--model", "echo-1", "--history", "1000000000", "hi")


def encoded(data, content_type):
    if content_type == "application/json":
        return json.dumps(data)
    if content_type.startswith("multipart/"):
        return encode_multipart("BoUnDaRy", data)
    return urlencode(data)


@pytest.mark.parametrize("url", [RUN, STREAM])
@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "multipart/form-data; boundary=BoUnDaRy", "application/json"]
)
def test_a_10_mb_body_is_a_json_413_and_nothing_is_stored(player_client, llm, url, content_type):
    """A 10 MB body, form-encoded, multipart (as the page posts) or JSON, is refused from its Content-Length
    with a JSON 413 naming the limit in human units: 7 MB on the run endpoints, which take an image upload.
    (Chunked uploads: tests/config/test_middleware.py.)"""
    response = player_client.post(url, encoded(form(llm, "x" * TEN_MB), content_type), content_type=content_type)
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["type"] == "request_too_large" and "7.0\xa0MB" in error["message"], error
    assert nothing_stored()
