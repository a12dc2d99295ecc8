"""Per-model parameter rules are data on the model row and are enforced before a request is sent: a broken rule is
a clear ``invalid_input`` error and no request leaves the process."""

from __future__ import annotations

import base64
import json

import pytest

from calls import services
from calls.models import CallLog
from calls.rules import chat_rules, rules_problems
from core.errors import InvalidInput
from providers.models import ProviderModel
from wire.types import ChatParams, ImagePart, Message, ResponseFormat, TextPart, Thinking

HI = [Message("user", "hi there")]
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 16).decode()


def _model(credential, name, **rules):
    return ProviderModel.objects.create(
        provider=credential.provider, name=name, model_type="llm", origin="custom", **rules
    )


def _chat_bodies(fake_provider):
    return [json.loads(r.body) for r in fake_provider.requests if r.path.endswith("/chat/completions")]


def test_a_model_that_rejects_temperature_is_refused_before_the_request(point_at, fake_provider):
    credential = point_at("openai_compatible")
    _model(credential, "echo-no-temp", accepts_temperature=False)
    with pytest.raises(InvalidInput, match="does not accept a temperature"):
        services.chat(credential=credential, model="echo-no-temp", messages=HI, temperature=0.2)
    assert _chat_bodies(fake_provider) == []
    assert CallLog.objects.get().error_type == "invalid_input"


def test_temperature_or_top_p_not_both(point_at, fake_provider):
    credential = point_at("openai_compatible")
    _model(credential, "echo-either", temperature_or_top_p=True)
    with pytest.raises(InvalidInput, match="temperature or top_p, not both"):
        services.chat(credential=credential, model="echo-either", messages=HI, temperature=0.5, top_p=0.9)
    services.chat(credential=credential, model="echo-either", messages=HI, temperature=0.5)
    assert [("temperature" in b, "top_p" in b) for b in _chat_bodies(fake_provider)] == [(True, False)]


def test_a_fixed_temperature_names_the_only_value(point_at):
    credential = point_at("openai_compatible")
    _model(credential, "echo-fixed", temperature_min=1.0, temperature_max=1.0, temperature_default=1.0)
    with pytest.raises(InvalidInput, match="accepts only temperature 1"):
        services.chat(credential=credential, model="echo-fixed", messages=HI, temperature=0.3)


def test_the_models_token_limit_field_is_used(point_at, fake_provider):
    credential = point_at("openai_compatible")
    _model(credential, "echo-reasoning", max_tokens_param="max_completion_tokens")
    services.chat(credential=credential, model="echo-reasoning", messages=HI, max_tokens=9)
    (body,) = _chat_bodies(fake_provider)
    assert body.get("max_completion_tokens") == 9 and "max_tokens" not in body


def test_catalog_rules_of_current_claude_models(catalog):
    """Claude Opus 4.7 rejects temperature; Sonnet 4.6 rejects temperature and top_p together (issue 10; the
    catalog cites https://platform.claude.com/docs/en/about-claude/models/ checked 2026-12-02)."""
    from providers.models import Provider

    anthropic = Provider.objects.get(slug="anthropic")
    opus = anthropic.models.get(name="claude-opus-4-7")
    assert opus.accepts_temperature is False
    sonnet = anthropic.models.get(name="claude-sonnet-4-6")
    assert sonnet.temperature_or_top_p is True


def test_a_vision_model_answers_an_image_and_a_text_model_refuses_it(point_at, fake_provider):
    credential = point_at("openai_compatible")
    _model(credential, "echo-vision", supports_vision=True)
    _model(credential, "echo-text")
    message = Message("user", (TextPart("what is this?"), ImagePart(data=PNG, media_type="image/png")))
    outcome = services.chat(credential=credential, model="echo-vision", messages=[message])
    assert outcome.content.startswith("[1 image]")
    (body,) = _chat_bodies(fake_provider)
    parts = body["messages"][0]["content"]
    assert parts[1]["image_url"]["url"].startswith("data:image/png;base64,")
    with pytest.raises(InvalidInput, match="not a vision model"):
        services.chat(credential=credential, model="echo-text", messages=[message])
    assert len(_chat_bodies(fake_provider)) == 1


def test_json_mode_and_thinking_need_the_capability(point_at):
    credential = point_at("openai_compatible")
    row = _model(credential, "echo-plain")
    rules = chat_rules(credential=credential, model="echo-plain")
    params = ChatParams(
        model="echo-plain", messages=tuple(HI), response_format=ResponseFormat("json_object"), thinking=Thinking()
    )
    fields = [field for field, _message in rules_problems(rules, params)]
    assert fields == ["response_format", "thinking"]
    row.supports_json_mode = row.supports_reasoning = True
    row.save()
    assert rules_problems(chat_rules(credential=credential, model="echo-plain"), params) == []


def test_a_typed_model_name_has_no_rules_but_generic_bounds(point_at):
    credential = point_at("openai_compatible")
    rules = chat_rules(credential=credential, model="anything")
    assert not rules.known
    problems = rules_problems(rules, ChatParams(model="anything", messages=tuple(HI), temperature=3.0))
    assert problems == [("temperature", "temperature must be from 0 to 2.")]


def test_another_servers_model_row_gives_no_rules(point_at):
    first = point_at("openai_compatible", name="a")
    second = point_at("openai_compatible", name="b")
    ProviderModel.objects.create(
        provider=first.provider, credential=first, name="shared-name", model_type="llm", accepts_temperature=False
    )
    assert chat_rules(credential=first, model="shared-name").known
    assert not chat_rules(credential=second, model="shared-name").known


def test_catalog_rules_of_kimi_and_openai_reasoning_models(catalog, point_at, fake_provider):
    """Kimi's current models take only temperature 1 (https://platform.kimi.ai/docs/api/models-overview); OpenAI's
    GPT-5 family fixes it too and takes max_completion_tokens (https://developers.openai.com/api/docs/models),
    both checked 2026-12-02. The refusal happens before any request."""
    kimi = point_at("kimi", region="cn")
    fixed = kimi.provider.models.filter(temperature_min=1.0, temperature_max=1.0).values_list("name", flat=True)
    assert fixed, "no Kimi model with a fixed temperature"
    with pytest.raises(InvalidInput, match="accepts only temperature 1"):
        services.chat(credential=kimi, model=fixed[0], messages=HI, temperature=0.3)
    openai = point_at("openai")
    with pytest.raises(InvalidInput, match="accepts only temperature 1"):
        services.chat(credential=openai, model="gpt-5.5", messages=HI, temperature=0.7)
    assert _chat_bodies(fake_provider) == []
    services.chat(credential=openai, model="gpt-5.5", messages=HI, max_tokens=7)
    (body,) = _chat_bodies(fake_provider)
    assert body["max_completion_tokens"] == 7 and "max_tokens" not in body


def test_a_process_reuses_a_models_rules_until_the_row_changes(point_at, fake_provider, django_assert_num_queries):
    """Reading the rules costs a query; a request then reuses them, and a save is seen at once."""
    from core.cache import scope

    credential = point_at("openai_compatible")
    row = _model(credential, "echo-cached")
    assert chat_rules(credential=credential, model="echo-cached").row == row
    with scope(), django_assert_num_queries(1):  # the cache versions, once for the whole request
        assert chat_rules(credential=credential, model="echo-cached").row == row
        assert chat_rules(credential=credential, model="echo-cached").row == row
    row.accepts_temperature = False
    row.save()
    with pytest.raises(InvalidInput, match="does not accept a temperature"):
        services.chat(credential=credential, model="echo-cached", messages=HI, temperature=0.5)
