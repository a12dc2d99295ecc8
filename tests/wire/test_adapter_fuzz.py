"""Any JSON body from a provider becomes a typed result or a ModelDesk error (normally bad_response), never a crash.

The property tests feed every adapter's parsers arbitrary JSON, and the documented payloads with any of their
parts swapped for arbitrary JSON or left out, so that the fuzzer reaches the deep paths the adapters read. The
example tests pin the shapes a security review found crashing the old parsers.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import BadResponse, ModelDeskError, ProviderUnavailable
from wire.adapters import REGISTRY, adapter_for
from wire.adapters.base import CHAT, EMBED, MODELS, RERANK, TRANSCRIBE, Adapter
from wire.adapters.errors import error_fields
from wire.quirks import Quirks
from wire.streaming import ndjson_events, sse_events
from wire.types import (
    ChatDelta,
    ChatResult,
    EmbeddingResult,
    RemoteModel,
    RerankResult,
    StreamEvent,
    Target,
    Transcription,
    Usage,
)

# 100 examples per test keep this file under 10 s; FUZZ_EXAMPLES=5000 searches harder. No example database:
# nothing is written into the working tree.
FUZZ = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "100")), deadline=None, database=None)

# --- strategies -----------------------------------------------------------------------------------------------
FIELD_NAMES = [
    "choices",
    "message",
    "delta",
    "content",
    "reasoning_content",
    "reasoning",
    "usage",
    "prompt_tokens",
    "completion_tokens",
    "input_tokens",
    "output_tokens",
    "total_tokens",
    "data",
    "id",
    "object",
    "model",
    "index",
    "embedding",
    "embeddings",
    "results",
    "relevance_score",
    "meta",
    "tokens",
    "models",
    "name",
    "type",
    "text",
    "thinking",
    "status",
    "output",
    "metrics",
    "input_token_count",
    "output_token_count",
    "done",
    "done_reason",
    "prompt_eval_count",
    "eval_count",
    "error",
    "stop_reason",
    "finish_reason",
    "display_name",
    "max_input_tokens",
]
WORDS = ["stop", "text", "thinking", "succeeded", "failed", "processing", "message_start", "message_stop", "[DONE]"]
EVENT_NAMES = ["message_start", "content_block_delta", "message_delta", "message_stop", "error", "ping", ""]

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([0, 1, -1, 2**63, 10**400]),
    st.floats(),  # NaN and both infinities included
    st.text(max_size=8),
    st.sampled_from(WORDS),
)
KEYS = st.sampled_from(FIELD_NAMES) | st.text(max_size=4)
JSON = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=5),
    max_leaves=20,
)


CHANCE = st.sampled_from([i / 20 for i in range(20)])  # uniform, unlike integers(), which favours the bounds


@st.composite
def mutated(draw: st.DrawFn, value: Any) -> Any:
    """``value`` with some of its parts (maybe none, maybe all) replaced by arbitrary JSON or left out."""
    if draw(CHANCE) < 0.1:
        return draw(JSON)
    if isinstance(value, dict):
        return {key: draw(mutated(item)) for key, item in value.items() if draw(CHANCE) >= 0.05}
    if isinstance(value, list):
        return [draw(mutated(item)) for item in value]
    return value


DOCUMENTS = st.sampled_from([["a", "b"], ["a", "b", "c"]]) | st.lists(st.text(max_size=3), max_size=3)


def bodies(*seeds: Any) -> st.SearchStrategy[Any]:
    return JSON | st.sampled_from(seeds).flatmap(mutated)


def dumps(payload: Any) -> str:
    return payload if payload == "[DONE]" else json.dumps(payload)


def as_events(pairs: Any) -> list[StreamEvent]:
    """``[name, payload]`` pairs as events; anything else in the list is one event of that JSON."""
    items = pairs if isinstance(pairs, list) else [pairs]
    return [
        StreamEvent(dumps(item[1]), item[0] if isinstance(item[0], str) else "")
        if isinstance(item, list) and len(item) == 2
        else StreamEvent(dumps(item))
        for item in items
    ]


def stream_events(seed: list[list[Any]]) -> st.SearchStrategy[list[StreamEvent]]:
    """Streams: the documented one with parts swapped or left out, or events of any JSON or of no JSON at all."""
    names = st.sampled_from(EVENT_NAMES) | st.text(max_size=6)
    event = st.one_of(
        st.builds(StreamEvent, data=JSON.map(dumps), event=names),
        st.builds(StreamEvent, data=st.text(max_size=12) | st.just("[DONE]"), event=names),
    )
    documented = mutated(seed).map(as_events)
    return st.one_of(documented, documented, st.lists(event, max_size=6))


# --- documented payloads ---------------------------------------------------------------------------------------
OPENAI_CHAT = {
    "id": "c",
    "object": "chat.completion",
    "model": "gpt-4o",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "Hi", "reasoning_content": "think"},
            "finish_reason": "stop",
        }
    ],
    "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
}
OPENAI_STREAM = [
    ["", {"choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]}],
    ["", {"choices": [{"index": 0, "delta": {"content": "Hel", "reasoning": "r"}, "finish_reason": None}]}],
    ["", {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop", "usage": {"completion_tokens": 1}}]}],
    ["", {"choices": [], "usage": {"prompt_tokens": 12, "completion_tokens": 3}}],
    ["", "[DONE]"],
]
OPENAI_MODELS = {"object": "list", "data": [{"id": "gpt-4o", "object": "model"}, {"id": "models/gemini"}]}
OPENAI_EMBED = {
    "data": [{"object": "embedding", "index": 1, "embedding": [0.1, 2]}, {"index": 0, "embedding": [0.3, -4.5]}],
    "usage": {"prompt_tokens": 3, "total_tokens": 3},
}
TRANSCRIPTION = {"text": "hello", "usage": {"type": "tokens", "input_tokens": 5, "output_tokens": 2}}
RERANKS = (
    {
        "results": [{"index": 1, "relevance_score": 0.9}, {"index": 0, "relevance_score": 0.1}],
        "usage": {"total_tokens": 9},
    },
    {"id": "x", "results": [{"index": 0, "relevance_score": 1}], "meta": {"tokens": {"input_tokens": 5}}},
    {"output": {"results": [{"index": 0, "relevance_score": 0.5}]}, "usage": {"total_tokens": 7}},
)
ANTHROPIC_CHAT = {
    "id": "msg",
    "type": "message",
    "model": "claude",
    "content": [{"type": "thinking", "thinking": "hmm"}, {"type": "text", "text": "Hi"}, {"type": "tool_use"}],
    "stop_reason": "end_turn",
    "usage": {"input_tokens": 3, "output_tokens": 1},
}
ANTHROPIC_STREAM = [
    ["message_start", {"type": "message_start", "message": {"usage": {"input_tokens": 12, "output_tokens": 1}}}],
    ["content_block_start", {"type": "content_block_start", "index": 0, "content_block": {"type": "text"}}],
    ["ping", {"type": "ping"}],
    ["content_block_delta", {"type": "content_block_delta", "delta": {"type": "text_delta", "text": "Hello!"}}],
    ["message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 6}}],
    ["message_stop", {"type": "message_stop"}],
]
ANTHROPIC_MODELS = {"data": [{"id": "claude", "display_name": "Claude", "max_input_tokens": 200000}], "has_more": False}
OLLAMA_CHAT = {
    "model": "llama3.2",
    "message": {"role": "assistant", "content": "Hi", "thinking": "t"},
    "done": True,
    "done_reason": "stop",
    "prompt_eval_count": 2,
    "eval_count": 1,
}
OLLAMA_STREAM = [
    ["", {"model": "llama3.2", "message": {"content": "The", "thinking": "t"}, "done": False}],
    ["", OLLAMA_CHAT],
]
OLLAMA_MODELS = {"models": [{"name": "llama3.2", "model": "llama3.2"}]}
OLLAMA_EMBED = {"model": "m", "embeddings": [[0.1, 0.2], [3, -4]], "prompt_eval_count": 4}
REPLICATE = (
    {"status": "succeeded", "output": ["Echo: ", "hi"], "metrics": {"input_token_count": 1, "output_token_count": 2}},
    {"status": "succeeded", "output": "Echo", "model": "acme/echo", "error": None},
    {"status": "failed", "error": "boom"},
)

SEEDS: dict[str, dict[str, tuple[Any, ...]]] = {
    "openai_compatible": {
        CHAT: (OPENAI_CHAT,),
        MODELS: (OPENAI_MODELS,),
        EMBED: (OPENAI_EMBED,),
        RERANK: RERANKS,
        TRANSCRIBE: (TRANSCRIPTION,),
    },
    "azure_openai": {
        CHAT: (OPENAI_CHAT,),
        MODELS: (OPENAI_MODELS,),
        EMBED: (OPENAI_EMBED,),
        TRANSCRIBE: (TRANSCRIPTION,),
    },
    "anthropic": {CHAT: (ANTHROPIC_CHAT,), MODELS: (ANTHROPIC_MODELS,)},
    "ollama": {CHAT: (OLLAMA_CHAT,), MODELS: (OLLAMA_MODELS,), EMBED: (OLLAMA_EMBED,)},
    "jina": {EMBED: (OPENAI_EMBED,), RERANK: RERANKS},
    "cohere": {RERANK: RERANKS},
    "replicate": {CHAT: REPLICATE},
}
STREAMS = {
    "openai_compatible": OPENAI_STREAM,
    "azure_openai": OPENAI_STREAM,
    "anthropic": ANTHROPIC_STREAM,
    "ollama": OLLAMA_STREAM,
}
CASES = [(protocol, operation) for protocol, operations in SEEDS.items() for operation in operations]


def make(protocol: str, **quirks: Any) -> Adapter:
    target = Target("p", "Provider", "https://api.example.com/v1", {"api_key": "sk-test"}, {}, Quirks(**quirks))
    return adapter_for(protocol, target)


# --- what a typed result looks like ------------------------------------------------------------------------------
def check_usage(usage: Usage) -> None:
    assert isinstance(usage, Usage)
    for tokens in (usage.input_tokens, usage.output_tokens):
        assert tokens is None or type(tokens) is int


def check_chat(result: ChatResult) -> None:
    assert isinstance(result, ChatResult)
    assert type(result.content) is str and type(result.reasoning) is str and type(result.model) is str
    assert result.finish_reason is None or type(result.finish_reason) is str
    check_usage(result.usage)


def check_delta(delta: ChatDelta) -> None:
    assert isinstance(delta, ChatDelta)
    assert type(delta.content) is str and type(delta.reasoning) is str
    assert delta.finish_reason is None or type(delta.finish_reason) is str
    if delta.usage is not None:
        check_usage(delta.usage)


def check_models(models: list[RemoteModel]) -> None:
    assert isinstance(models, list)
    for model in models:
        assert type(model.name) is str and type(model.display_name) is str
        assert model.model_type is None or type(model.model_type) is str
        assert model.context_window is None or type(model.context_window) is int


def check_embeddings(result: EmbeddingResult) -> None:
    assert isinstance(result.vectors, list)
    for vector in result.vectors:
        assert isinstance(vector, list)
        assert all(type(x) is float and math.isfinite(x) for x in vector)
    check_usage(result.usage)


def check_rerank(result: RerankResult, documents: list[str]) -> None:
    scores = [hit.score for hit in result.hits]
    assert all(type(s) is float and math.isfinite(s) for s in scores) and scores == sorted(scores, reverse=True)
    for hit in result.hits:
        assert type(hit.index) is int and 0 <= hit.index < len(documents) and hit.document == documents[hit.index]
    check_usage(result.usage)


def check_transcription(result: Transcription) -> None:
    assert type(result.text) is str
    check_usage(result.usage)


def check_error(error: ModelDeskError) -> None:
    """Our own messages name a path and a type, never the provider's value, so they stay short."""
    if isinstance(error, BadResponse):
        assert len(error.detail) < 200, error.detail


def parse(adapter: Adapter, operation: str, body: Any, documents: list[str]) -> None:
    """Parse ``body`` as the answer to ``operation``: a typed result, or a ModelDeskError; anything else fails."""
    calls: dict[str, Callable[[], None]] = {
        CHAT: lambda: check_chat(adapter.chat_response(body)),
        MODELS: lambda: check_models(adapter.models_response(body)),
        EMBED: lambda: check_embeddings(adapter.embed_response(body)),
        RERANK: lambda: check_rerank(adapter.rerank_response(body, documents), documents),
        TRANSCRIBE: lambda: check_transcription(adapter.transcribe_response(body)),
    }
    try:
        calls[operation]()
    except ModelDeskError as error:
        check_error(error)


def stream(adapter: Adapter, events: list[StreamEvent]) -> list[ChatDelta]:
    """The deltas of a stream, each checked, until it ends or fails with a ModelDeskError."""
    deltas: list[ChatDelta] = []
    try:
        for delta in adapter.chat_deltas(iter(events)):
            check_delta(delta)
            deltas.append(delta)
    except ModelDeskError as error:
        check_error(error)
    return deltas


# --- properties ---------------------------------------------------------------------------------------------------
def test_every_registered_adapter_and_operation_is_fuzzed():
    """A new adapter or operation cannot slip past these tests."""
    assert set(SEEDS) == set(REGISTRY)
    for protocol, operations in SEEDS.items():
        assert set(operations) == set(make(protocol).operations)
    assert set(STREAMS) == {p for p in REGISTRY if CHAT in make(p).operations and make(p).streams}


@pytest.mark.parametrize("protocol, operation", CASES)
def test_documented_payloads_parse(protocol, operation):
    """The payloads the fuzzer starts from are valid, so a mutation that keeps them intact gives a result."""
    adapter = make(protocol)
    for body in SEEDS[protocol][operation]:
        if body.get("status") == "failed":
            with pytest.raises(ProviderUnavailable, match="boom"):
                adapter.chat_response(body)
            continue
        parse(adapter, operation, body, ["a", "b"])


@pytest.mark.parametrize("protocol", STREAMS)
def test_documented_streams_parse(protocol):
    events = [StreamEvent(dumps(data), name) for name, data in STREAMS[protocol]]
    deltas = list(make(protocol).chat_deltas(iter(events)))
    assert "".join(d.content for d in deltas) and any(d.usage for d in deltas)


@pytest.mark.parametrize("protocol, operation", CASES)
@FUZZ
@given(data=st.data())
def test_any_json_body_is_a_typed_result_or_a_modeldesk_error(protocol, operation, data):
    """Any JSON body from a provider becomes a typed result or a ModelDesk error, for every adapter and operation."""
    body = data.draw(bodies(*SEEDS[protocol][operation]), label="body")
    documents = data.draw(DOCUMENTS, label="documents")
    parse(make(protocol, model_id_prefix="models/"), operation, body, documents)


@pytest.mark.parametrize("protocol", STREAMS)
@FUZZ
@given(data=st.data())
def test_any_stream_gives_typed_deltas_or_a_modeldesk_error(protocol, data):
    """Any sequence of events, JSON or not, gives typed deltas until the stream ends or fails with our error."""
    stream(make(protocol), data.draw(stream_events(STREAMS[protocol]), label="events"))


@FUZZ
@given(body=JSON)
def test_error_fields_reads_any_json(body):
    """The error reader used for error responses and in-stream error frames never raises."""
    message, code = error_fields(body)
    assert type(message) is str and type(code) is str


@FUZZ
@given(lines=st.lists(st.text(max_size=20).map(lambda t: t.replace("\n", "")), max_size=12))
def test_stream_framing_accepts_any_lines(lines):
    """Framing never fails: whatever the lines hold, it yields events whose data and name are strings."""
    for events in (sse_events(lines), ndjson_events(lines)):
        for event in events:
            assert type(event.data) is str and type(event.event) is str


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
