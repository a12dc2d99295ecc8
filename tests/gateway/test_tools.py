"""Tools through /v1: OpenAI's ``tools``/``tool_choice`` and Anthropic's ``tools``/``tool_use``/``tool_result``,
passed to providers whose protocol takes them (OpenAI-compatible servers, Claude), driven with both official SDKs
against the fake provider, which calls the first tool with ``{"text": <the last user message>}``."""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest

from tests.calls.test_adapters_live import model_for
from tests.gateway.client import call, call_anthropic

pytestmark = pytest.mark.django_db(transaction=True)
WEATHER = {
    "type": "function",
    "function": {
        "name": "weather",
        "description": "The weather in a city",
        "parameters": {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]},
    },
}
ASK = [{"role": "user", "content": "Paris"}]
UPSTREAMS = [("openai_compatible", "/v1", {}), ("anthropic", "", {}), ("deepseek", "/v1", {})]


@pytest.fixture(params=UPSTREAMS, ids=[u[0] for u in UPSTREAMS])
def upstream(request, point_at) -> str:
    slug, path, extra = request.param
    point_at(slug, path, name="upstream", **extra)
    return f"upstream/{model_for(slug)}"


def test_a_tool_call_and_its_result_round_trip(upstream, key):
    async def job(client: openai.AsyncOpenAI) -> tuple[Any, Any]:
        first = await client.chat.completions.create(model=upstream, messages=ASK, tools=[WEATHER])
        asked = first.choices[0].message
        history = [*ASK, asked.model_dump(exclude_none=True)]
        history.append({"role": "tool", "tool_call_id": asked.tool_calls[0].id, "content": "sunny, 21°C"})
        second = await client.chat.completions.create(model=upstream, messages=history, tools=[WEATHER])
        return first, second

    first, second = call(key, job)
    choice = first.choices[0]
    assert choice.finish_reason == "tool_calls" and not choice.message.content
    tool = choice.message.tool_calls[0]
    assert tool.type == "function" and tool.function.name == "weather" and tool.id
    assert json.loads(tool.function.arguments) == {"text": "Paris"}
    assert second.choices[0].message.content == "Tool result: sunny, 21°C"
    assert second.choices[0].finish_reason == "stop"


def test_a_streamed_tool_call(upstream, key):
    async def job(client: openai.AsyncOpenAI) -> list[Any]:
        stream = await client.chat.completions.create(model=upstream, messages=ASK, tools=[WEATHER], stream=True)
        return [chunk async for chunk in stream]

    chunks = call(key, job)
    pieces = [tc for c in chunks if c.choices for tc in (c.choices[0].delta.tool_calls or [])]
    assert pieces[0].id and pieces[0].function.name == "weather" and pieces[0].type == "function"
    assert json.loads("".join(p.function.arguments or "" for p in pieces)) == {"text": "Paris"}
    assert [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason] == ["tool_calls"]


def test_tool_choice_none_answers_in_words(llm, key):
    answer = call(
        key, lambda c: c.chat.completions.create(model="team/echo-1", messages=ASK, tools=[WEATHER], tool_choice="none")
    )
    assert answer.choices[0].message.content == "Echo: Paris" and not answer.choices[0].message.tool_calls


def test_tools_are_refused_where_the_protocol_does_not_carry_them(point_at, key):
    point_at("ollama", "", name="local")
    with pytest.raises(openai.BadRequestError) as raised:
        call(key, lambda c: c.chat.completions.create(model="local/echo-1", messages=ASK, tools=[WEATHER]))
    assert "tools" in raised.value.body["message"] and "Ollama" in raised.value.body["message"]


@pytest.mark.parametrize(
    "options, param",
    [
        ({"tools": [{"type": "function", "function": {}}]}, "tools[0]"),
        ({"tools": [WEATHER], "tool_choice": {"type": "function", "function": {"name": "other"}}}, "tool_choice"),
        ({"messages": [*ASK, {"role": "tool", "content": "x"}]}, "messages[1].tool_call_id"),
    ],
)
def test_malformed_tools_say_what_is_wrong(llm, key, options, param):
    options = {"model": "team/echo-1", "messages": ASK, **options}
    with pytest.raises(openai.BadRequestError) as raised:
        call(key, lambda c: c.chat.completions.create(**options))
    assert raised.value.body["param"] == param


ANTHROPIC_TOOL = {
    "name": "weather",
    "description": "The weather in a city",
    "input_schema": {"type": "object", "properties": {"text": {"type": "string"}}},
}


def test_anthropic_clients_call_tools_on_any_protocol(upstream, key):
    async def job(client: Any) -> tuple[Any, Any]:
        first = await client.messages.create(model=upstream, max_tokens=200, messages=ASK, tools=[ANTHROPIC_TOOL])
        use = next(block for block in first.content if block.type == "tool_use")
        history = [
            *ASK,
            {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in first.content]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": use.id, "content": "sunny"}]},
        ]
        second = await client.messages.create(model=upstream, max_tokens=200, messages=history, tools=[ANTHROPIC_TOOL])
        return first, second

    first, second = call_anthropic(key, job)
    assert first.stop_reason == "tool_use"
    use = next(block for block in first.content if block.type == "tool_use")
    assert use.name == "weather" and use.input == {"text": "Paris"} and use.id
    assert second.content[-1].text == "Tool result: sunny" and second.stop_reason == "end_turn"


def test_anthropic_clients_stream_tool_use(upstream, key):
    async def job(client: Any) -> Any:
        async with client.messages.stream(
            model=upstream, max_tokens=200, messages=ASK, tools=[ANTHROPIC_TOOL]
        ) as stream:
            async for _event in stream:
                pass
            return await stream.get_final_message()

    final = call_anthropic(key, job)
    use = next(block for block in final.content if block.type == "tool_use")
    assert use.name == "weather" and use.input == {"text": "Paris"} and final.stop_reason == "tool_use"
