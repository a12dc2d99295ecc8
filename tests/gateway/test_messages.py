"""/v1/messages in Anthropic's format, driven with the official ``anthropic`` SDK against the fake provider, so
that Anthropic clients can call any route, whatever protocol its deployments speak."""

from __future__ import annotations

from typing import Any

import anthropic
import httpx
import pytest

from gateway.models import Deployment, Route
from tests.asgi_client import run_async
from tests.calls.test_adapters_live import CHAT_PROVIDERS, model_for
from tests.gateway.client import call_anthropic

pytestmark = pytest.mark.django_db(transaction=True)
HI = [{"role": "user", "content": "hi"}]


def create(client: anthropic.AsyncAnthropic, **options: Any) -> Any:
    options.setdefault("model", "team/echo-1")
    options.setdefault("messages", HI)
    options.setdefault("max_tokens", 100)
    return client.messages.create(**options)


async def streamed(client: anthropic.AsyncAnthropic, **options: Any) -> tuple[str, Any, list[str]]:
    options.setdefault("messages", HI)
    async with client.messages.stream(max_tokens=100, **options) as stream:
        kinds = []
        async for event in stream:
            kinds.append(event.type)
        final = await stream.get_final_message()
    return final.content[-1].text, final, kinds


def test_a_message(llm, key):
    from providers.models import ProviderModel

    ProviderModel.objects.filter(name="echo-1").update(supports_reasoning=True)
    options = {"system": "Be brief.", "stop_sequences": ["\n\n"], "output_config": {"effort": "low"}}
    answer = call_anthropic(key, lambda c: create(c, **options, extra_body={"temperature": 0.2}))
    assert answer.type == "message" and answer.role == "assistant" and answer.model == "team/echo-1"
    assert answer.content[-1].type == "text" and answer.content[-1].text == "Echo: hi"
    assert answer.stop_reason == "end_turn" and answer.id.startswith("msg_")
    assert answer.usage.input_tokens > 0 and answer.usage.output_tokens > 0


def test_a_streamed_message(llm, key):
    text, final, kinds = call_anthropic(key, lambda c: streamed(c, model="team/echo-1"))
    assert text == "Echo: hi" and final.stop_reason == "end_turn" and final.usage.output_tokens > 0
    assert kinds[0] == "message_start" and kinds[-1] == "message_stop"
    assert "content_block_start" in kinds and "content_block_stop" in kinds and "message_delta" in kinds


def test_images_as_content_blocks(llm, key):
    from providers.models import ProviderModel

    ProviderModel.objects.filter(name="echo-1").update(supports_vision=True)
    image = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}}
    content = [{"type": "text", "text": "what is this"}, image]
    answer = call_anthropic(key, lambda c: create(c, messages=[{"role": "user", "content": content}]))
    assert answer.content[-1].text == "[1 image] Echo: what is this"  # the fake counts the images it got


def test_a_json_schema_output(llm, key):
    from providers.models import ProviderModel

    ProviderModel.objects.filter(name="echo-1").update(supports_json_mode=True)
    schema = {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]}
    config = {"format": {"type": "json_schema", "schema": schema}}
    answer = call_anthropic(key, lambda c: create(c, output_config=config))
    assert answer.content[-1].type == "text"


@pytest.mark.parametrize("slug, path, extra", CHAT_PROVIDERS, ids=[c[0] for c in CHAT_PROVIDERS])
def test_every_chat_protocol_answers_in_anthropics_format(point_at, key, slug, path, extra):
    point_at(slug, path, name="upstream", **extra)
    text, final, _kinds = call_anthropic(key, lambda c: streamed(c, model=f"upstream/{model_for(slug)}"))
    assert "hi" in text and final.stop_reason in ("end_turn", "max_tokens")


def test_a_route_falls_back_for_anthropic_clients_too(point_at, key, monkeypatch):
    from gateway import routes

    monkeypatch.setattr(routes, "_weighted_shuffle", lambda targets, rng: list(targets))
    route = Route.objects.create(name="team-chat")
    for name, model in (("east", "echo-1-fault-429"), ("north", "echo-1")):
        Deployment.objects.create(route=route, credential=point_at("openai_compatible", name=name), model=model)
    text, _final, _kinds = call_anthropic(key, lambda c: streamed(c, model="team-chat"))
    assert text == "Echo: hi"


@pytest.mark.parametrize(
    "options, error, kind",
    [
        ({"model": "nobody/echo-1"}, anthropic.NotFoundError, "not_found_error"),
        ({"model": "team/echo-1-fault-429"}, anthropic.RateLimitError, "rate_limit_error"),
        ({"messages": [{"role": "system", "content": "x"}]}, anthropic.BadRequestError, "invalid_request_error"),
    ],
)
def test_errors_are_anthropics(llm, key, options, error, kind, settings):
    settings.PROVIDER_MAX_ATTEMPTS = 1
    with pytest.raises(error) as raised:
        call_anthropic(key, lambda c: create(c, **options))
    body = raised.value.body
    assert body["type"] == "error" and body["error"]["type"] == kind and body["error"]["message"]


def test_a_wrong_key_and_a_missing_max_tokens(llm, key):
    with pytest.raises(anthropic.AuthenticationError) as raised:
        call_anthropic("md-wrong", create)
    assert raised.value.body["error"]["type"] == "authentication_error"

    async def post(body: dict[str, Any]) -> httpx.Response:
        from config.asgi import application

        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://t") as client:
            return await client.post("/v1/messages", json=body, headers={"x-api-key": key})

    answer = run_async(post({"model": "team/echo-1", "messages": HI}))
    assert answer.status_code == 400 and answer.json()["error"]["type"] == "invalid_request_error"
    assert "max_tokens" in answer.json()["error"]["message"]
