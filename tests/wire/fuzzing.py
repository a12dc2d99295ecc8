"""Shared by the adapter fuzz and shape tests: JSON strategies, documented payloads, and what a typed result
looks like."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st

from core.errors import BadResponse, ModelDeskError
from wire.adapters import adapter_for
from wire.adapters.base import CHAT, EMBED, MODELS, RERANK, TRANSCRIBE, Adapter
from wire.quirks import Quirks
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
    "float",
    "billed_units",
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
# Cohere /v2/embed (https://docs.cohere.com/reference/embed, checked 2026-12-02).
COHERE_EMBED = {
    "id": "e",
    "embeddings": {"float": [[0.1, 0.2], [3, -4]]},
    "texts": ["a", "b"],
    "meta": {"api_version": {"version": "2"}, "billed_units": {"input_tokens": 2}},
}

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
    "cohere": {RERANK: RERANKS, EMBED: (COHERE_EMBED,)},
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
