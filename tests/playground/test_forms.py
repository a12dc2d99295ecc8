"""The playground form's advanced parameters: stop sequences, seed, penalties, response format, thinking, images,
and the model's rules shown on the field they concern."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from playground.forms import PlaygroundForm
from playground.images import IMAGE_MAX_BYTES
from providers.models import ProviderModel
from tests.playground.helpers import form
from tests.playground.images import GIF, JPEG, PNG, WEBP
from wire.types import ResponseFormat, Thinking


def bound(player, llm, files=None, **extra):
    return PlaygroundForm(form(llm, **extra), files or {}, user=player)


def errors(player, llm, files=None, **extra):
    f = bound(player, llm, files, **extra)
    assert not f.is_valid()
    return {field: " ".join(messages) for field, messages in f.errors.items()}


def capable(**capabilities):
    ProviderModel.objects.filter(name="echo-1").update(**capabilities)


def test_the_advanced_parameters_reach_the_run_request(player, llm):
    capable(supports_json_mode=True, supports_reasoning=True)
    f = bound(
        player,
        llm,
        stop="END\r\n\r\n###\n",
        seed="42",
        presence_penalty="1.5",
        frequency_penalty="-2",
        response_format="json_schema",
        response_schema='{"type": "object", "properties": {"a": {"type": "string"}}}',
        thinking="high",
        thinking_budget="2048",
    )
    assert f.is_valid(), f.errors
    request = f.run_request()
    assert request.stop == ("END", "###") and request.seed == 42
    assert (request.presence_penalty, request.frequency_penalty) == (1.5, -2)
    assert request.response_format == ResponseFormat(
        type="json_schema", schema={"type": "object", "properties": {"a": {"type": "string"}}}
    )
    assert request.thinking == Thinking(effort="high", budget_tokens=2048)


def test_defaults_leave_everything_to_the_model(player, llm):
    f = bound(player, llm)
    assert f.is_valid(), f.errors
    request = f.run_request()
    assert (request.stop, request.seed, request.response_format, request.thinking, request.images) == (
        (),
        None,
        None,
        None,
        (),
    )


@pytest.mark.parametrize(
    "extra, field, fragment",
    [
        ({"stop": "a\nb\nc\nd\ne"}, "stop", "at most 4 stop sequences"),
        ({"stop": "x" * 101}, "stop", "at most 100 characters"),
        ({"seed": "-1"}, "seed", "greater than or equal to 0"),
        ({"seed": "1.5"}, "seed", "whole number"),
        ({"presence_penalty": "2.5"}, "presence_penalty", "less than or equal to 2"),
        ({"frequency_penalty": "-3"}, "frequency_penalty", "greater than or equal to -2"),
        ({"response_format": "json_schema"}, "response_schema", "Enter the JSON schema"),
        ({"response_format": "json_schema", "response_schema": "[1, 2]"}, "response_schema", "JSON object"),
        ({"response_format": "json_schema", "response_schema": "{nope"}, "response_schema", "JSON object"),
        ({"response_format": "xml"}, "response_format", "valid choice"),
        ({"thinking": "off", "thinking_budget": "100"}, "thinking_budget", "leave its budget empty"),
        ({"thinking": "extreme"}, "thinking", "valid choice"),
        ({"image_url": "ftp://example.com/cat.png"}, "image_url", "http:// or https://"),
    ],
)
def test_bad_advanced_input_is_refused_on_its_field(player, llm, extra, field, fragment):
    capable(supports_json_mode=True, supports_reasoning=True, supports_vision=True)
    assert fragment in errors(player, llm, **extra)[field]


@pytest.mark.parametrize(
    "extra, field, fragment",
    [
        ({"response_format": "json_object"}, "response_format", "does not support JSON mode"),
        ({"thinking": "low"}, "thinking", "not a reasoning model"),
        ({"thinking": "off"}, "thinking", "not a reasoning model"),
        ({"image_url": "https://example.com/cat.png"}, "image_url", "not a vision model"),
        ({"temperature": "3"}, "temperature", "echo-1 accepts temperature from 0 to 2"),
        ({"top_p": "1.5"}, "top_p", "echo-1 accepts top_p from 0 to 1"),
        ({"max_tokens": "5000"}, "max_tokens", "echo-1 accepts max_tokens from 1 to 1024"),
    ],
)
def test_the_models_rules_are_shown_on_the_right_field(player, llm, extra, field, fragment):
    """``calls.rules.rules_problems`` decides; an image's problem shows on the image field that was used."""
    assert fragment in errors(player, llm, **extra)[field]


def test_an_attached_image_a_model_cannot_see_is_refused_on_the_file_field(player, llm):
    upload = SimpleUploadedFile("cat.png", PNG, content_type="image/png")
    assert "not a vision model" in errors(player, llm, {"image": upload})["image"]


@pytest.mark.parametrize(
    "name, content, media_type",
    [
        ("cat.png", PNG, "image/png"),
        ("cat.JPG", JPEG, "image/jpeg"),
        ("a.gif", GIF, "image/gif"),
        ("b.webp", WEBP, "image/webp"),
    ],
)
def test_images_of_each_type_are_attached_with_their_media_type(player, llm, name, content, media_type):
    capable(supports_vision=True)
    f = bound(player, llm, {"image": SimpleUploadedFile(name, content)})
    assert f.is_valid(), f.errors
    (attachment,) = f.run_request().images
    assert attachment.image.media_type == media_type and attachment.label == name
    assert f.run_request().stored_message == f"hi\n\n[image: {name}]"


@pytest.mark.parametrize(
    "name, content, fragment",
    [
        ("cat.bmp", b"BM" + b"\x00" * 40, "not a PNG, JPEG, WebP or GIF image"),
        ("cat.png", JPEG, "not a valid image/png image"),
        ("big.png", PNG + b"\x00" * IMAGE_MAX_BYTES, "larger than 5 MB"),
    ],
)
def test_bad_images_are_refused(player, llm, name, content, fragment):
    capable(supports_vision=True)
    assert fragment in errors(player, llm, {"image": SimpleUploadedFile(name, content)})["image"]


def test_a_file_and_a_url_together_are_refused(player, llm):
    capable(supports_vision=True)
    upload = SimpleUploadedFile("cat.png", PNG)
    assert "not both" in errors(player, llm, {"image": upload}, image_url="https://example.com/x.png")["image_url"]


def test_a_validated_post_changes_none_of_the_forms_shared_fields(llm, player):
    """A post's fields are shallow copies (``_validating_fields``): what one form sets stays with it."""
    from playground.forms import PlaygroundForm

    shared = PlaygroundForm.base_fields
    before = (shared["max_attempts"].required, shared["history_rounds"].required, shared["credential"].widget)
    posted = PlaygroundForm({"credential": str(llm.pk), "model_name": "echo-1", "message": "hi"}, user=player)
    assert posted.is_valid(), posted.errors
    assert posted.fields["max_attempts"] is not shared["max_attempts"]
    assert posted.fields["credential"] is not shared["credential"]
    assert (shared["max_attempts"].required, shared["history_rounds"].required, shared["credential"].widget) == before
    assert PlaygroundForm.base_fields is shared and "base_fields" not in vars(posted)
    page = PlaygroundForm(user=player)  # unbound: Django's own deep copies, as before
    assert page.fields["credential"] is not shared["credential"]
