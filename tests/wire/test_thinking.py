"""Inline ``<think>`` replies are split into reasoning and content, whole or streamed in any chunking; MiniMax's
``reasoning_details`` are read as reasoning; each provider asks for thinking in its own fields."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from providers.catalog import spec_get
from tests.wire.loopback import transport
from wire.adapters import adapter_for
from wire.quirks import Quirks
from wire.streaming import sse_events
from wire.thinking import ThinkSplitter, split_think, thinking_fields
from wire.types import ChatParams, Message, Target, Thinking

HI = (Message("user", "hi"),)


def adapter(base_url: str = "https://api.example.com/v1", **quirks):
    target = Target("p", "Provider", base_url, {"api_key": "sk-test"}, {}, Quirks(**quirks))
    return adapter_for("openai_compatible", target)


def streamed(pieces: list[str]) -> tuple[str, str]:
    splitter = ThinkSplitter()
    reasoning = content = ""
    for piece in pieces:
        r, c = splitter.feed(piece)
        reasoning, content = reasoning + r, content + c
    r, c = splitter.finish()
    return reasoning + r, content + c


@pytest.mark.parametrize(
    "reply, expected",
    [
        ("<think>\nplan\n</think>\n\nAnswer", ("\nplan\n", "Answer")),
        ("  <think>x</think>y", ("x", "y")),
        ("Plain answer", ("", "Plain answer")),
        ("  indented answer", ("", "  indented answer")),
        ("<thi", ("", "<thi")),
        ("<think>cut off", ("cut off", "")),
        ("a <think>b</think>", ("", "a <think>b</think>")),
        ("</think>x", ("", "</think>x")),
        ("", ("", "")),
    ],
)
def test_a_think_block_at_the_start_becomes_reasoning(reply, expected):
    assert split_think(reply) == expected


def test_a_reply_without_the_tag_passes_through_once_its_first_characters_rule_it_out():
    splitter = ThinkSplitter()
    assert splitter.feed("<") == ("", "")
    assert splitter.feed("b>bold") == ("", "<b>bold")
    assert splitter.feed(" more") == ("", " more")


def test_a_closing_tag_split_across_chunks_is_held_only_while_it_could_be_the_tag():
    splitter = ThinkSplitter()
    assert splitter.feed("<think>ab</th") == ("ab", "")
    assert splitter.feed("ink>") == ("", "")
    assert splitter.feed("\n\nok") == ("", "ok")


TEXT = st.text(alphabet=st.sampled_from(list("ab <>/thinkT\n ")), max_size=30)


@st.composite
def reply_and_cuts(draw):
    reply = draw(
        st.one_of(
            TEXT,
            st.builds(lambda ws, r, sep, c: f"{ws}<think>{r}</think>{sep}{c}", TEXT, TEXT, TEXT, TEXT),
            st.builds(lambda r: f"<think>{r}", TEXT),
        )
    )
    cuts = sorted(draw(st.lists(st.integers(0, len(reply)), max_size=8)))
    return reply, [reply[a:b] for a, b in zip([0, *cuts], [*cuts, len(reply)], strict=True)]


@settings(max_examples=400, deadline=None)
@given(reply_and_cuts())
def test_any_chunking_of_a_reply_splits_it_as_the_whole_reply(case):
    """The property the stream depends on: where the chunks are cut never changes reasoning or content."""
    reply, pieces = case
    assert streamed(pieces) == split_think(reply)


def test_whole_reply_with_inline_think_is_split_by_the_adapter():
    body = {
        "model": "MiniMax-M2",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "<think>plan</think>\n\nHi!"},
                "finish_reason": "stop",
            }
        ],
    }
    result = adapter().chat_response(body)
    assert (result.reasoning, result.content) == ("plan", "Hi!")


def sse(*chunks: object) -> list[str]:
    lines: list[str] = []
    for chunk in chunks:
        lines += [f"data: {chunk if isinstance(chunk, str) else json.dumps(chunk)}", ""]
    return lines


def delta_chunk(finish=None, **delta):
    return {
        "id": "c",
        "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def test_a_streamed_think_block_cut_mid_tag_is_reasoning_and_the_rest_content():
    pieces = ["<th", "ink>pla", "n</thi", "nk>\n", "\nHel", "lo"]
    lines = sse(*(delta_chunk(content=p) for p in pieces), delta_chunk(finish="stop"), "[DONE]")
    deltas = list(adapter().chat_deltas(sse_events(lines)))
    assert "".join(d.reasoning for d in deltas) == "plan"
    assert "".join(d.content for d in deltas) == "Hello"


def test_a_short_reply_held_back_is_released_with_its_finish_reason():
    lines = sse(delta_chunk(content="<t"), delta_chunk(finish="stop"), "[DONE]")
    assert "".join(d.content for d in adapter().chat_deltas(sse_events(lines))) == "<t"


@pytest.mark.parametrize(
    "texts",
    [
        ["The user", " is asking how I am."],  # only the new text in each delta (as servers send it)
        ["The user", "The user is asking how I am."],  # the text so far (as MiniMax's example reads it)
    ],
)
def test_minimax_reasoning_details_are_reasoning_whether_incremental_or_cumulative(texts):
    """https://platform.minimax.io/docs/api-reference/text-openai-api (checked 2026-12-02): with
    ``reasoning_split: true`` thinking arrives in ``reasoning_details[].text``."""
    chunks = [delta_chunk(content="", reasoning_details=[{"type": "reasoning.text", "text": t}]) for t in texts]
    lines = sse(*chunks, delta_chunk(content="Fine."), delta_chunk(finish="stop"), "[DONE]")
    deltas = list(adapter().chat_deltas(sse_events(lines)))
    assert "".join(d.reasoning for d in deltas) == "The user is asking how I am."
    assert "".join(d.content for d in deltas) == "Fine."


def test_minimax_whole_reply_reads_reasoning_details():
    """The documentation's non-streaming example: ``message.reasoning_details[0]['text']``."""
    message = {
        "role": "assistant",
        "content": "I'm doing well.",
        "reasoning_details": [{"type": "reasoning.text", "id": "reasoning-text-1", "text": "A greeting."}],
    }
    result = adapter().chat_response(
        {"model": "MiniMax-M2", "choices": [{"message": message, "finish_reason": "stop"}]}
    )
    assert (result.reasoning, result.content) == ("A greeting.", "I'm doing well.")


# --- request fields per provider (values checked 2026-12-02; sources in wire/thinking.py and each catalog entry) ---
@pytest.mark.parametrize(
    "slug, thinking, expected",
    [
        ("openai", Thinking(effort="low"), {"reasoning_effort": "low"}),
        ("gemini", Thinking(enabled=False), {"reasoning_effort": "none"}),
        ("azure_openai", Thinking(effort="high"), {"reasoning_effort": "high"}),
        ("qwen", Thinking(budget_tokens=500), {"enable_thinking": True, "thinking_budget": 500}),
        ("deepseek", Thinking(effort="high"), {"thinking": {"type": "enabled"}, "reasoning_effort": "high"}),
        ("deepseek", Thinking(enabled=False), {"thinking": {"type": "disabled"}}),
        ("zhipu", Thinking(enabled=False), {"thinking": {"type": "disabled"}}),
        ("doubao", Thinking(effort="low"), {"thinking": {"type": "enabled"}}),
        ("kimi", Thinking(), {"thinking": {"type": "enabled"}}),
        ("minimax", None, {"reasoning_split": True}),
        ("openai", None, {}),
        ("spark", Thinking(effort="high"), {}),
    ],
)
def test_each_provider_asks_for_thinking_in_its_own_fields(slug, thinking, expected):
    assert thinking_fields(spec_get(slug).quirks.thinking_style, thinking) == expected


def test_qwen_non_streaming_chats_turn_thinking_off_whatever_was_asked():
    a = adapter(**{"thinking_style": "enable_thinking", "disable_thinking_when_not_streaming": True})
    params = ChatParams("qwen3-8b", HI, thinking=Thinking(budget_tokens=100))
    body = a.chat_request(params, stream=False).json
    assert body["enable_thinking"] is False and "thinking_budget" not in body
    assert a.chat_request(params, stream=True).json["thinking_budget"] == 100


def test_minimax_requests_always_ask_for_the_split():
    a = adapter(thinking_style="reasoning_split")
    assert a.chat_request(ChatParams("MiniMax-M2", HI), stream=True).json["reasoning_split"] is True


# --- through the fake provider --------------------------------------------------------------------------------


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("style", ["", "reasoning_split"])
def test_a_thinking_model_of_the_fake_gives_the_same_reasoning_with_or_without_the_split(fake, stream, style):
    """``think`` models put ``<think>`` inline, or in ``reasoning_details`` when asked to split."""
    a = adapter(f"{fake.url}/v1", thinking_style=style)
    spec = a.chat_request(ChatParams("minimax-think", HI), stream=stream)
    if stream:
        deltas = list(transport().chat_stream(a, spec))
        reasoning, content = "".join(d.reasoning for d in deltas), "".join(d.content for d in deltas)
    else:
        result = transport().call(spec, a.chat_response)
        reasoning, content = result.reasoning, result.content
    assert reasoning.strip() == "The user wants an echo." and content == "Echo: hi"


def test_a_reasoner_model_of_the_fake_streams_reasoning_content_first(fake):
    a = adapter(f"{fake.url}/v1")
    deltas = list(transport().chat_stream(a, a.chat_request(ChatParams("local-reasoner", HI), stream=True)))
    first_content = next(i for i, d in enumerate(deltas) if d.content)
    assert all(not d.reasoning for d in deltas[first_content:])
    assert "".join(d.reasoning for d in deltas) == "The user wants an echo."
