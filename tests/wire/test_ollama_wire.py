"""The Ollama native adapter: what chat parameters become on ``/api/chat``, and model details from ``/api/show``.

Sources, checked 2026-12-02: https://github.com/ollama/ollama/blob/main/docs/api.md ("Generate a chat
completion": ``images`` as base64, ``format`` ``json`` or a JSON schema, ``think`` true/false or a level, the
``options`` of "Generate request (With options)"; "Show Model Information": ``model_info`` with
``general.architecture`` and ``<architecture>.context_length``), the option names in
https://github.com/ollama/ollama/blob/main/api/types.go (``Options``, ``ThinkValue``) and
https://github.com/ollama/ollama/blob/main/docs/capabilities/thinking.mdx.
"""

from __future__ import annotations

import json

import pytest

from core.errors import InvalidInput
from tests.wire.loopback import transport
from wire.adapters.ollama import OllamaAdapter
from wire.streaming import ndjson_events
from wire.types import ChatParams, ImagePart, Message, ResponseFormat, Target, TextPart, Thinking

PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
HI = (Message("user", "hi"),)
SCHEMA = {"type": "object", "properties": {"age": {"type": "integer"}}, "required": ["age"]}


def adapter(base_url: str = "http://127.0.0.1:11434") -> OllamaAdapter:
    return OllamaAdapter(Target("ollama", "Ollama", base_url))


def body(**params) -> dict:
    params.setdefault("messages", HI)
    return adapter().chat_request(ChatParams("llama3.2", **params), stream=False).json


# --- requests -------------------------------------------------------------------------------------------------
def test_image_parts_become_the_messages_base64_images():
    message = Message("user", (TextPart("what is in this image?"), ImagePart(data=PNG, media_type="image/png")))
    assert body(messages=(message,))["messages"] == [
        {"role": "user", "content": "what is in this image?", "images": [PNG]}
    ]
    assert body()["messages"] == [{"role": "user", "content": "hi"}]


def test_an_image_by_url_is_refused_because_ollama_takes_base64_only():
    message = Message("user", (TextPart("what?"), ImagePart(url="https://example.com/cat.png")))
    with pytest.raises(InvalidInput, match="base64 data only, not by URL"):
        body(messages=(message,))


def test_sampling_stop_seed_and_penalties_go_in_options():
    sent = body(
        temperature=0,
        top_p=0.9,
        max_tokens=100,
        stop=("\n", "user:"),
        seed=42,
        presence_penalty=1.5,
        frequency_penalty=1.0,
    )
    assert sent["options"] == {
        "temperature": 0,
        "top_p": 0.9,
        "num_predict": 100,
        "stop": ["\n", "user:"],
        "seed": 42,
        "presence_penalty": 1.5,
        "frequency_penalty": 1.0,
    }
    assert "options" not in body()


def test_response_format_becomes_json_mode_or_the_schema_itself():
    assert body(response_format=ResponseFormat("json_object"))["format"] == "json"
    assert body(response_format=ResponseFormat("json_schema", SCHEMA))["format"] == SCHEMA
    with pytest.raises(InvalidInput, match="JSON schema"):
        body(response_format=ResponseFormat("json_schema"))


@pytest.mark.parametrize(
    "thinking, think",
    [
        (Thinking(), True),
        (Thinking(enabled=False), False),
        (Thinking(effort="low"), "low"),
        (Thinking(effort="max"), "max"),
    ],
)
def test_thinking_becomes_top_level_think_true_false_or_a_level(thinking, think):
    assert body(thinking=thinking)["think"] == think


@pytest.mark.parametrize(
    "thinking, message",
    [(Thinking(budget_tokens=2048), "no thinking budget"), (Thinking(effort="xhigh"), "thinking levels are")],
)
def test_what_think_cannot_say_is_refused(thinking, message):
    with pytest.raises(InvalidInput, match=message):
        body(thinking=thinking)


# --- responses ------------------------------------------------------------------------------------------------
def test_thinking_lines_are_reasoning_before_the_content():
    lines = [
        json.dumps(
            {"model": "qwen3", "message": {"role": "assistant", "content": "", "thinking": "Count"}, "done": False}
        ),
        json.dumps({"model": "qwen3", "message": {"role": "assistant", "content": "Three."}, "done": False}),
        json.dumps(
            {
                "model": "qwen3",
                "message": {"role": "assistant", "content": ""},
                "done": True,
                "done_reason": "stop",
                "prompt_eval_count": 26,
                "eval_count": 282,
            }
        ),
    ]
    deltas = list(adapter().chat_deltas(ndjson_events(lines)))
    assert [d.reasoning for d in deltas] == ["Count", "", ""]
    assert "".join(d.content for d in deltas) == "Three." and deltas[-1].usage.output_tokens == 282


def test_show_is_asked_for_the_model_and_gives_the_architectures_context_length():
    """The ``/api/show`` response of api.md, trimmed to its details, model info and capabilities."""
    spec = adapter().model_info_request("llava")
    assert (spec.method, spec.url, spec.json) == ("POST", "http://127.0.0.1:11434/api/show", {"model": "llava"})
    shown = {
        "details": {"parent_model": "", "format": "gguf", "family": "llama", "parameter_size": "8.0B"},
        "model_info": {
            "general.architecture": "llama",
            "general.file_type": 2,
            "general.parameter_count": 8030261248,
            "llama.attention.head_count": 32,
            "llama.context_length": 8192,
            "llama.embedding_length": 4096,
            "tokenizer.ggml.model": "gpt2",
        },
        "capabilities": ["completion", "vision"],
    }
    model = adapter().model_info_response("llava", shown)
    assert (model.name, model.context_window, model.model_type) == ("llava", 8192, "llm")


def test_show_without_model_info_leaves_the_context_window_unknown():
    model = adapter().model_info_response("nomic-embed-text", {"capabilities": ["embedding"]})
    assert (model.context_window, model.model_type) == (None, "text-embedding")


# --- through the fake provider --------------------------------------------------------------------------------


def test_an_image_and_thinking_reach_the_fake_ollama(fake):
    a = adapter(fake.url)
    message = Message("user", (ImagePart(data=PNG, media_type="image/png"), TextPart("what is this?")))
    spec = a.chat_request(ChatParams("llava", (message,), thinking=Thinking()), stream=True)
    deltas = list(transport().chat_stream(a, spec))
    assert "".join(d.reasoning for d in deltas) == "The user wants an echo."
    assert "".join(d.content for d in deltas) == "[1 image] Echo: what is this?"
    result = transport().call(a.chat_request(ChatParams("llava", HI, stop=("o",)), stream=False), a.chat_response)
    assert (result.content, result.reasoning) == ("Ech", "")


def test_the_fake_ollama_shows_a_context_length(fake):
    a = adapter(fake.url)
    spec = a.model_info_request("echo-1:latest")
    assert spec is not None
    model = transport().call(spec, lambda shown: a.model_info_response("echo-1:latest", shown))
    assert (model.name, model.context_window, model.model_type) == ("echo-1:latest", 32768, "llm")
