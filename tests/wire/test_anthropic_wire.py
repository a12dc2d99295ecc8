"""The Anthropic Messages adapter: what chat parameters become on the wire, and what Claude's answers become.

Sources, checked 2026-12-02:
- request fields and types: https://docs.anthropic.com/en/api/messages and the SDK's
  https://github.com/anthropics/anthropic-sdk-python/blob/main/src/anthropic/types/message_create_params.py
- images: https://platform.claude.com/docs/en/build-with-claude/vision (``base64`` and ``url`` sources;
  ``types/base64_image_source_param.py``, ``types/url_image_source_param.py``)
- structured outputs: https://platform.claude.com/docs/en/build-with-claude/structured-outputs
  (``output_config.format``; ``types/output_config_param.py``, ``types/json_output_format_param.py``)
- thinking: https://platform.claude.com/docs/en/build-with-claude/extended-thinking (``budget_tokens`` at least
  1024 and below ``max_tokens``; not with temperature; top_p 0.95 to 1 per
  https://platform.claude.com/docs/en/release-notes/api), https://platform.claude.com/docs/en/build-with-claude/adaptive-thinking,
  https://platform.claude.com/docs/en/build-with-claude/effort (``output_config.effort``) and
  https://platform.claude.com/docs/en/about-claude/models/whats-new-claude-4-7 (thinking text omitted by default)
- usage: https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching (``input_tokens`` excludes the cache
  reads and writes; ``types/usage.py``, ``types/output_tokens_details.py``)
- streaming: https://docs.anthropic.com/en/docs/build-with-claude/streaming (thinking and signature deltas)
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from core.errors import InvalidInput
from tests.fakeprovider.helpers import KEY
from tests.wire.loopback import transport
from wire.adapters.anthropic import AnthropicAdapter
from wire.streaming import sse_events
from wire.types import TICK, ChatParams, ImagePart, Message, ResponseFormat, Target, TextPart, Thinking

PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
HI = (Message("user", "hi"),)
SCHEMA = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}


def adapter(base_url: str = "https://api.anthropic.com") -> AnthropicAdapter:
    return AnthropicAdapter(Target("anthropic", "Anthropic", base_url, {"api_key": KEY}))


def body(**params) -> dict:
    params.setdefault("messages", HI)
    return adapter().chat_request(ChatParams("claude-opus-4-7", **params), stream=False).json


def sse(*events: dict) -> Iterator:
    lines = [line for data in events for line in (f"event: {data['type']}", f"data: {json.dumps(data)}", "")]
    return sse_events(lines)


# --- requests -------------------------------------------------------------------------------------------------
def test_image_parts_become_base64_and_url_image_blocks_and_text_blocks():
    message = Message(
        "user",
        (
            ImagePart(data=PNG, media_type="image/png"),
            ImagePart(url="https://upload.wikimedia.org/cat.jpg"),
            TextPart(""),
            TextPart("What is in these images?"),
        ),
    )
    assert body(messages=(message,))["messages"] == [
        {
            "role": "user",
            "content": [
                {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}},
                {"type": "image", "source": {"type": "url", "url": "https://upload.wikimedia.org/cat.jpg"}},
                {"type": "text", "text": "What is in these images?"},
            ],
        }
    ]


@pytest.mark.parametrize(
    "image, message",
    [
        (ImagePart(data=PNG, media_type="image/bmp"), "not image/bmp"),
        (ImagePart(url="data:image/png;base64,AAAA"), r"http\(s\) URL or as base64 data"),
    ],
)
def test_an_image_claude_cannot_take_is_invalid_input(image, message):
    with pytest.raises(InvalidInput, match=message):
        body(messages=(Message("user", (image, TextPart("hi"))),))


def test_system_parts_join_as_top_level_text_and_refuse_images():
    system = Message("system", (TextPart("Be "), TextPart("terse.")))
    assert body(messages=(system, *HI))["system"] == "Be terse."
    with pytest.raises(InvalidInput, match="not in the system prompt"):
        body(messages=(Message("system", (ImagePart(data=PNG, media_type="image/png"),)), *HI))


def test_stop_becomes_stop_sequences():
    assert body(stop=("\n\nHuman:", "END"))["stop_sequences"] == ["\n\nHuman:", "END"]


@pytest.mark.parametrize("name, value", [("seed", 7), ("presence_penalty", 0.5), ("frequency_penalty", 0.5)])
def test_seed_and_penalties_have_no_counterpart_and_are_refused(name, value):
    with pytest.raises(InvalidInput, match=f"no {name}"):
        body(**{name: value})


def test_a_json_schema_becomes_output_config_format():
    sent = body(response_format=ResponseFormat("json_schema", SCHEMA, name="person"))
    assert sent["output_config"] == {"format": {"type": "json_schema", "schema": SCHEMA}}


def test_json_mode_without_a_schema_is_refused():
    with pytest.raises(InvalidInput, match="no JSON mode without a schema"):
        body(response_format=ResponseFormat("json_object"))


def test_a_thinking_budget_is_manual_thinking_with_the_reply_allowance_on_top():
    sent = body(thinking=Thinking(budget_tokens=2048))
    assert sent["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    assert sent["max_tokens"] == 2048 + 1024
    assert body(thinking=Thinking(budget_tokens=2048), max_tokens=8000)["max_tokens"] == 8000


@pytest.mark.parametrize(
    "thinking, max_tokens, message",
    [
        (Thinking(budget_tokens=1000), None, "at least 1024"),
        (Thinking(budget_tokens=4096), 4096, r"max_tokens \(4096\) must be larger than the thinking budget"),
    ],
)
def test_a_budget_claude_would_refuse_is_invalid_input(thinking, max_tokens, message):
    with pytest.raises(InvalidInput, match=message):
        body(thinking=thinking, max_tokens=max_tokens)


def test_thinking_without_a_budget_is_adaptive_with_summarized_text_and_effort_in_output_config():
    sent = body(thinking=Thinking(effort="medium"))
    assert sent["thinking"] == {"type": "adaptive", "display": "summarized"}
    assert sent["output_config"] == {"effort": "medium"}
    assert sent["max_tokens"] == 16000


def test_thinking_turned_off_is_disabled():
    sent = body(thinking=Thinking(enabled=False))
    assert sent["thinking"] == {"type": "disabled"} and sent["max_tokens"] == 1024 and "output_config" not in sent


def test_an_unknown_effort_is_refused():
    with pytest.raises(InvalidInput, match="effort is one of"):
        body(thinking=Thinking(effort="extreme"))


def test_while_thinking_temperature_is_refused_and_top_p_kept_between_095_and_1():
    with pytest.raises(InvalidInput, match="no temperature while it thinks"):
        body(thinking=Thinking(), temperature=0.2)
    with pytest.raises(InvalidInput, match=r"top_p must be between 0\.95 and 1\.0"):
        body(thinking=Thinking(), top_p=0.5)
    assert body(thinking=Thinking(), top_p=0.97, temperature=1.0)["top_p"] == 0.97
    assert body(thinking=Thinking(enabled=False), temperature=0.2)["temperature"] == 0.2


# --- responses ------------------------------------------------------------------------------------------------
def test_input_tokens_include_cache_reads_and_writes_and_cached_counts_the_reads():
    """Anthropic's ``input_tokens`` leaves out the tokens written to and read from the prompt cache (the
    prompt-caching guide, https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching, and the SDK's
    ``types/usage.py``, checked 2026-12-02); ModelDesk's input count includes them. The numbers are illustrative,
    once writing the cache and once reading it."""
    written = {"input_tokens": 21, "cache_creation_input_tokens": 188086, "cache_read_input_tokens": 0}
    read = {"input_tokens": 21, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 188086}
    for usage, cached in ((written, 0), (read, 188086)):
        reply = {"type": "message", "model": "claude-opus-4-7", "content": [], "usage": {**usage, "output_tokens": 393}}
        result = adapter().chat_response(reply).usage
        assert (result.input_tokens, result.cached_input_tokens, result.output_tokens) == (188107, cached, 393)


def test_thinking_blocks_are_reasoning_and_thinking_tokens_are_reasoning_tokens():
    reply = {
        "content": [
            {"type": "thinking", "thinking": "To approach this, let me think about...", "signature": "WaUjzkyp..."},
            {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va3pzix/LafPsn4a..."},
            {"type": "text", "text": "Yes, there are infinitely many prime numbers such that..."},
        ],
        "model": "claude-opus-4-7",
        "stop_reason": "end_turn",
        "usage": {"input_tokens": 10, "output_tokens": 500, "output_tokens_details": {"thinking_tokens": 420}},
    }
    result = adapter().chat_response(reply)
    assert result.reasoning == "To approach this, let me think about..."
    assert result.content.startswith("Yes, there are") and result.usage.reasoning_tokens == 420


def test_stream_thinking_deltas_are_reasoning_signatures_are_skipped_and_message_delta_has_the_usage():
    """The extended-thinking stream of the streaming page."""
    deltas = list(
        adapter().chat_deltas(
            sse(
                {
                    "type": "message_start",
                    "message": {
                        "id": "msg_01...",
                        "type": "message",
                        "role": "assistant",
                        "content": [],
                        "model": "claude-opus-4-7",
                        "usage": {"input_tokens": 30, "cache_read_input_tokens": 12, "output_tokens": 1},
                    },
                },
                {"type": "content_block_start", "index": 0, "content_block": {"type": "thinking", "thinking": ""}},
                {
                    "type": "content_block_delta",
                    "index": 0,
                    "delta": {
                        "type": "thinking_delta",
                        "thinking": "Let me solve this step by step:\n\n1. First break down 27 * 453",
                    },
                },
                {
                    "type": "content_block_delta",
                    "index": 0,
                    "delta": {
                        "type": "signature_delta",
                        "signature": "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds...",
                    },
                },
                {"type": "content_block_stop", "index": 0},
                {"type": "content_block_start", "index": 1, "content_block": {"type": "text", "text": ""}},
                {
                    "type": "content_block_delta",
                    "index": 1,
                    "delta": {"type": "text_delta", "text": "27 * 453 = 12,231"},
                },
                {"type": "content_block_stop", "index": 1},
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                    "usage": {"output_tokens": 90, "output_tokens_details": {"thinking_tokens": 70}},
                },
                {"type": "message_stop"},
            )
        )
    )
    assert "".join(d.reasoning for d in deltas) == "Let me solve this step by step:\n\n1. First break down 27 * 453"
    assert "".join(d.content for d in deltas) == "27 * 453 = 12,231"
    assert all(d.content or d.reasoning or d.usage or d.finish_reason for d in deltas)
    usage = [d.usage for d in deltas if d.usage]
    assert (usage[0].input_tokens, usage[0].cached_input_tokens) == (42, 12)
    assert (usage[-1].input_tokens, usage[-1].output_tokens, usage[-1].reasoning_tokens) == (None, 90, 70)
    assert deltas[-1].finish_reason == "end_turn"


def test_a_ping_is_a_tick_and_other_events_without_text_give_nothing():
    """Anthropic's keep-alive is a ``ping`` event (https://platform.claude.com/docs/en/build-with-claude/streaming,
    "Ping events", checked 2026-12-02): it becomes ``TICK``; a block's start and stop give no delta at all."""
    deltas = list(
        adapter().chat_deltas(
            sse(
                {"type": "ping"},
                {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
                {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi"}},
                {"type": "content_block_stop", "index": 0},
                {"type": "message_stop"},
            )
        )
    )
    assert deltas[0] is TICK and [d.content for d in deltas[1:]] == ["Hi"]


# --- through the fake provider --------------------------------------------------------------------------------


def test_an_image_reaches_the_fake_claude(fake):
    a = adapter(fake.url)
    message = Message("user", (ImagePart(data=PNG, media_type="image/png"), TextPart("what is this?")))
    result = transport().call(a.chat_request(ChatParams("echo-1", (message,)), stream=False), a.chat_response)
    assert result.content == "[1 image] Echo: what is this?"


def test_thinking_streams_from_the_fake_claude_as_reasoning_before_the_answer(fake):
    a = adapter(fake.url)
    spec = a.chat_request(ChatParams("echo-1", HI, thinking=Thinking(budget_tokens=1024)), stream=True)
    deltas = list(transport().chat_stream(a, spec))
    assert "".join(d.reasoning for d in deltas) == "The user wants an echo."
    assert "".join(d.content for d in deltas) == "Echo: hi"
    final = [d.usage for d in deltas if d.usage][-1]
    assert final.reasoning_tokens == 6 and final.output_tokens == 6 + 2


def test_the_fake_claude_honours_stop_sequences_and_reports_cache_reads(fake):
    a = adapter(fake.url)
    params = ChatParams("echo-cached", (Message("user", "one two three"),), stop=(" two",))
    result = transport().call(a.chat_request(params, stream=False), a.chat_response)
    assert result.content == "Echo: one" and result.finish_reason == "stop_sequence"
    assert (result.usage.input_tokens, result.usage.cached_input_tokens) == (4, 3)
