"""The shapes a security review found crashing the old parsers are bad_response errors that name the path."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

import pytest

from core.errors import BadResponse, ProviderUnavailable
from tests.wire.fuzzing import (
    ANTHROPIC_CHAT,
    OPENAI_CHAT,
    RERANKS,
    make,
)
from wire.adapters.base import CHAT, EMBED, MODELS, RERANK, TRANSCRIBE, Adapter
from wire.types import (
    StreamEvent,
)


# --- the review's cases ---------------------------------------------------------------------------------------------
def chat_with(**changes: Any) -> dict[str, Any]:
    """The documented OpenAI reply with its first choice's fields changed."""
    choice = {**OPENAI_CHAT["choices"][0], **changes}
    return {**OPENAI_CHAT, "choices": [choice]}


def events_of(*datas: str, event: str = "") -> Iterator[StreamEvent]:
    return iter([StreamEvent(data, event) for data in datas])


REVIEW_CASES = [
    ("openai_compatible", CHAT, {"choices": [{"message": "x"}]}, "choices.0.message is a string, expected an object"),
    ("openai_compatible", CHAT, {"choices": {"0": {}}}, "choices is an object, expected a list"),
    ("openai_compatible", CHAT, {"choices": []}, "the response has no choices.0"),
    ("openai_compatible", CHAT, [OPENAI_CHAT], "the response is a list, expected an object"),
    (
        "openai_compatible",
        CHAT,
        {**OPENAI_CHAT, "usage": {"prompt_tokens": "x"}},
        "usage.prompt_tokens is a string, expected a whole number",
    ),
    ("openai_compatible", CHAT, {**OPENAI_CHAT, "usage": {"prompt_tokens": 1.5}}, "usage.prompt_tokens is not a whole"),
    ("openai_compatible", CHAT, chat_with(finish_reason=5), "choices.0.finish_reason is a number, expected a string"),
    (
        "openai_compatible",
        CHAT,
        chat_with(message={"content": {"text": "nested"}}),
        "choices.0.message.content is an object, expected a string",
    ),
    ("openai_compatible", CHAT, {**OPENAI_CHAT, "model": ["gpt"]}, "model is a list, expected a string"),
    ("openai_compatible", MODELS, {"data": 5}, "the response's data is a number, expected a list"),
    ("openai_compatible", MODELS, {"data": [{"id": {"name": "x"}}]}, "data.0.id is an object, expected a string"),
    ("openai_compatible", MODELS, {"data": [{"object": "model"}]}, "the response has no data.0.id"),
    (
        "openai_compatible",
        EMBED,
        {"data": [{"embedding": [0.1, "0.2"]}]},
        "data.0.embedding.1 is a string, expected a number",
    ),
    ("openai_compatible", EMBED, {"data": [{"embedding": "AAAA"}]}, "data.0.embedding is a string, expected a list"),
    ("openai_compatible", EMBED, {"data": [{"embedding": [True]}]}, "data.0.embedding.0 is true or false, expected"),
    (
        "openai_compatible",
        EMBED,
        {"data": [{"index": "abc", "embedding": [0.1]}]},
        "data.0.index is a string, expected a whole number",
    ),
    ("openai_compatible", TRANSCRIBE, {"text": {"value": "hi"}}, "text is an object, expected a string"),
    ("openai_compatible", TRANSCRIBE, "hello", "the response is a string, expected an object"),
    ("cohere", RERANK, {"results": [{"index": "abc", "relevance_score": 1}]}, "results.0.index is a string"),
    ("cohere", RERANK, json.loads('{"results": [{"index": 0, "relevance_score": 1e400}]}'), "is not a finite number"),
    ("jina", RERANK, {"results": [{"index": 0, "relevance_score": math.nan}]}, "results.0.relevance_score is not a"),
    ("jina", RERANK, {"results": [{"index": 0, "relevance_score": 10**400}]}, "results.0.relevance_score is not a"),
    ("jina", RERANK, {"results": [{"index": 0}]}, "the response has no results.0.relevance_score"),
    ("jina", RERANK, {"results": [{"index": 10**30, "relevance_score": 1}]}, "results.0.index names a document"),
    ("jina", RERANK, {"results": None, "output": {"results": 5}}, "output.results is a number, expected a list"),
    ("jina", RERANK, {**RERANKS[0], "usage": "lots"}, "the response's usage is a string, expected an object"),
    ("cohere", RERANK, {"results": [], "meta": {"tokens": {"input_tokens": "5"}}}, "meta.tokens.input_tokens is a"),
    ("anthropic", CHAT, {"content": None}, "the response has no content"),
    ("anthropic", CHAT, {"content": "Hi"}, "the response's content is a string, expected a list"),
    ("anthropic", CHAT, {"content": [5]}, "the response's content.0 is a number, expected an object"),
    ("anthropic", CHAT, {"content": [{"type": "text", "text": ["a"]}]}, "content.0.text is a list, expected a string"),
    ("anthropic", CHAT, {**ANTHROPIC_CHAT, "stop_reason": {}}, "stop_reason is an object, expected a string"),
    ("anthropic", MODELS, {"data": [{"id": "c", "max_input_tokens": "lots"}]}, "data.0.max_input_tokens is a string"),
    ("ollama", CHAT, {"message": "text"}, "the response's message is a string, expected an object"),
    ("ollama", CHAT, {"message": {"content": None}, "eval_count": math.inf}, "eval_count is not a whole number"),
    ("ollama", MODELS, {"models": [{"name": 7}]}, "models.0.name is a number, expected a string"),
    ("ollama", EMBED, {"embeddings": [[0.1, "x"]]}, "embeddings.0.1 is a string, expected a number"),
    ("ollama", EMBED, {"embeddings": [{"0": 0.1}]}, "embeddings.0 is an object, expected a list"),
    ("replicate", CHAT, {"status": "succeeded", "output": {"text": "hi"}}, "output is an object, expected a string"),
    ("replicate", CHAT, {"status": "succeeded", "output": ["a", 5]}, "output.1 is a number, expected a string"),
    ("replicate", CHAT, {"status": 200}, "the response's status is a number, expected a string"),
    ("replicate", CHAT, {"status": "x" * 5000}, "the response's status is not a known prediction status"),
    ("replicate", CHAT, {"status": "succeeded", "metrics": []}, "metrics is a list, expected an object"),
]


@pytest.mark.parametrize("protocol, operation, body, where", REVIEW_CASES)
def test_shapes_found_in_review_are_bad_responses_that_name_the_path(protocol, operation, body, where):
    """Each shape the review found crashing a parser is a bad_response whose message names where it went wrong."""
    with pytest.raises(BadResponse) as info:
        parse_strictly(make(protocol), operation, body)
    assert info.value.error_type == "bad_response"
    assert where in str(info.value)
    assert "nested" not in str(info.value) and "xxxx" not in str(info.value)  # the value itself is never echoed


def parse_strictly(adapter: Adapter, operation: str, body: Any) -> object:
    if operation == RERANK:
        return adapter.rerank_response(body, ["a", "b"])
    method = {CHAT: "chat", MODELS: "models", EMBED: "embed", TRANSCRIBE: "transcribe"}[operation]
    return getattr(adapter, f"{method}_response")(body)


STREAM_CASES = [
    (
        "openai_compatible",
        events_of('{"choices": [5]}'),
        "the stream chunk's choices.0 is a number, expected an object",
    ),
    ("openai_compatible", events_of('{"choices": 5}'), "the stream chunk's choices is a number, expected a list"),
    ("openai_compatible", events_of("[1, 2]"), "the stream chunk is a list, expected an object"),
    ("openai_compatible", events_of("not json"), "the stream chunk is not JSON"),
    ("openai_compatible", events_of("[" * 100_000), "the stream chunk is not JSON"),
    (
        "openai_compatible",
        events_of('{"choices": [{"delta": "hi"}]}'),
        "choices.0.delta is a string, expected an object",
    ),
    (
        "openai_compatible",
        events_of('{"choices": [{"delta": {"content": {"a": 1}}}]}'),
        "choices.0.delta.content is an object, expected a string",
    ),
    ("openai_compatible", events_of('{"choices": [{"finish_reason": 5}]}'), "choices.0.finish_reason is a number"),
    ("openai_compatible", events_of('{"choices": [], "usage": {"prompt_tokens": "x"}}'), "usage.prompt_tokens is a"),
    ("anthropic", events_of("[1, 2]"), "the stream event is a list, expected an object"),
    ("anthropic", events_of("[1, 2]", event="ping"), "the stream event is a list, expected an object"),
    ("anthropic", events_of('{"type": 5}'), "the stream event's type is a number, expected a string"),
    ("anthropic", events_of('{"message": 5}', event="message_start"), "the stream event's message is a number"),
    ("anthropic", events_of('{"delta": [1]}', event="content_block_delta"), "delta is a list, expected an object"),
    ("anthropic", events_of('{"delta": {"stop_reason": 1}}', event="message_delta"), "delta.stop_reason is a"),
    ("ollama", events_of('{"message": "text"}'), "the stream line's message is a string, expected an object"),
    ("ollama", events_of('{"done": "yes"}'), "the stream line's done is a string, expected true or false"),
    ("ollama", events_of('"hello"'), "the stream line is a string, expected an object"),
]


@pytest.mark.parametrize("protocol, events, where", STREAM_CASES)
def test_stream_shapes_found_in_review_are_bad_responses_that_name_the_path(protocol, events, where):
    with pytest.raises(BadResponse) as info:
        list(make(protocol).chat_deltas(events))
    assert info.value.error_type == "bad_response"
    assert where in str(info.value)


@pytest.mark.parametrize(
    "protocol, data",
    [
        ("openai_compatible", '{"error": {"message": "overloaded"}}'),
        ("anthropic", '{"type": "error", "error": {"type": "overloaded_error", "message": "overloaded"}}'),
        ("ollama", '{"error": "overloaded"}'),
    ],
)
def test_error_frames_in_a_stream_stay_provider_unavailable(protocol, data):
    with pytest.raises(ProviderUnavailable, match="overloaded"):
        list(make(protocol).chat_deltas(events_of(data)))


def test_a_null_error_field_in_a_chunk_is_no_error():
    """Some servers send ``"error": null`` in every chunk; only an actual error ends the stream."""
    chunk = '{"error": null, "choices": [{"delta": {"content": "ok"}, "finish_reason": "stop"}]}'
    deltas = list(make("openai_compatible").chat_deltas(events_of(chunk, "[DONE]")))
    assert [d.content for d in deltas] == ["ok"]


def test_null_openai_content_is_an_empty_reply_not_an_error():
    """OpenAI sends ``"content": null`` with tool calls and refusals; that is an empty text, as in the SDK."""
    result = make("openai_compatible").chat_response(chat_with(message={"role": "assistant", "content": None}))
    assert result.content == "" and result.finish_reason == "stop"


def test_whole_floats_are_accepted_as_token_counts():
    result = make("openai_compatible").chat_response({**OPENAI_CHAT, "usage": {"prompt_tokens": 12.0}})
    assert result.usage.input_tokens == 12 and type(result.usage.input_tokens) is int


def test_a_failed_prediction_with_an_object_error_is_provider_unavailable():
    with pytest.raises(ProviderUnavailable, match="out of memory"):
        make("replicate").chat_response({"status": "failed", "error": {"message": "out of memory"}})
    with pytest.raises(ProviderUnavailable, match="no reason given"):
        make("replicate").chat_response({"status": "failed", "error": None})
