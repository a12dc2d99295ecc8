"""The OpenAI-compatible adapter maps every chat parameter, reads usage detail, discovery extras and refuses
per-token embeddings. Canned bodies are copied from the documentation named in each docstring."""

from __future__ import annotations

import base64

import pytest

from core.errors import BadResponse
from tests.wire.loopback import transport
from wire.adapters import adapter_for
from wire.quirks import Quirks
from wire.types import ChatParams, ImagePart, Message, ResponseFormat, Target, TextPart

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\nfake").decode()
HI = (Message("user", "hi"),)


def adapter(base_url: str = "https://api.example.com/v1", **quirks):
    target = Target("p", "Provider", base_url, {"api_key": "sk-test"}, {}, Quirks(**quirks))
    return adapter_for("openai_compatible", target)


def body(params: ChatParams, **quirks) -> dict:
    return adapter(**quirks).chat_request(params, stream=False).json


def test_stop_seed_and_penalties_are_sent_only_when_set():
    """https://platform.openai.com/docs/api-reference/chat/create (checked 2026-12-02)."""
    sent = body(ChatParams("m", HI, stop=("END", "##"), seed=7, presence_penalty=0.5, frequency_penalty=-0.5))
    assert (sent["stop"], sent["seed"], sent["presence_penalty"], sent["frequency_penalty"]) == (
        ["END", "##"],
        7,
        0.5,
        -0.5,
    )
    plain = body(ChatParams("m", HI))
    assert not {"stop", "seed", "presence_penalty", "frequency_penalty", "response_format"} & set(plain)


def test_response_formats_use_openais_shapes():
    """https://platform.openai.com/docs/guides/structured-outputs (checked 2026-12-02)."""
    assert body(ChatParams("m", HI, response_format=ResponseFormat("json_object")))["response_format"] == {
        "type": "json_object"
    }
    schema = {"type": "object", "properties": {"a": {"type": "string"}}}
    sent = body(ChatParams("m", HI, response_format=ResponseFormat("json_schema", schema=schema, name="thing")))
    assert sent["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "thing", "schema": schema, "strict": True},
    }


def test_image_parts_become_image_url_parts_and_text_stays_a_string():
    """https://platform.openai.com/docs/guides/images-vision (checked 2026-12-02): base64 images as data URLs."""
    vision = Message("user", (TextPart("what is this?"), ImagePart(data=PNG, media_type="image/png")))
    linked = Message("user", (ImagePart(url="https://example.com/cat.jpg"),))
    sent = body(ChatParams("m", (Message("system", "terse"), vision, linked)))
    assert sent["messages"][0] == {"role": "system", "content": "terse"}
    assert sent["messages"][1]["content"] == [
        {"type": "text", "text": "what is this?"},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
    ]
    assert sent["messages"][2]["content"] == [
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg"}}
    ]


def test_a_models_own_token_limit_field_wins_over_the_providers():
    params = ChatParams("o3", HI, max_tokens=9, max_tokens_param="max_completion_tokens")
    sent = body(params, max_tokens_param="max_tokens")
    assert sent["max_completion_tokens"] == 9 and "max_tokens" not in sent
    assert body(ChatParams("m", HI, max_tokens=9))["max_tokens"] == 9


def test_openai_usage_details_are_cached_input_and_reasoning_tokens():
    """The usage object of https://platform.openai.com/docs/api-reference/chat/object (checked 2026-12-02)."""
    usage = {
        "prompt_tokens": 19,
        "completion_tokens": 10,
        "total_tokens": 29,
        "prompt_tokens_details": {"cached_tokens": 4, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 6, "audio_tokens": 0},
    }
    result = adapter().chat_response({"model": "o3", "choices": [{"message": {"content": "x"}}], "usage": usage})
    u = result.usage
    assert (u.input_tokens, u.cached_input_tokens, u.output_tokens, u.reasoning_tokens) == (19, 4, 10, 6)


def test_deepseek_cache_hits_are_cached_input_tokens():
    """https://api-docs.deepseek.com/api/create-chat-completion (checked 2026-12-02): ``prompt_cache_hit_tokens``."""
    usage = {
        "prompt_tokens": 30,
        "completion_tokens": 5,
        "total_tokens": 35,
        "prompt_cache_hit_tokens": 24,
        "prompt_cache_miss_tokens": 6,
        "completion_tokens_details": {"reasoning_tokens": 3},
    }
    u = adapter().chat_response({"choices": [{"message": {"content": "x"}}], "usage": usage}).usage
    assert (u.cached_input_tokens, u.reasoning_tokens) == (24, 3)


@pytest.mark.parametrize("details", [None, "n/a", {"cached_tokens": "many"}])
def test_missing_or_odd_usage_details_leave_the_counts_alone(details):
    usage = {"prompt_tokens": 3, "completion_tokens": 2, "prompt_tokens_details": details}
    u = adapter().chat_response({"choices": [{"message": {"content": "x"}}], "usage": usage}).usage
    assert (u.input_tokens, u.output_tokens, u.cached_input_tokens, u.reasoning_tokens) == (3, 2, None, None)


def test_per_token_embeddings_are_refused_with_a_clear_message():
    """A model served without pooling returns one vector per token: a list of lists where a vector goes."""
    rows = {"data": [{"index": 0, "embedding": [[0.1, 0.2], [0.3, 0.4]]}]}
    with pytest.raises(BadResponse, match=r"per-token vectors.*no pooling"):
        adapter().embed_response(rows)


def test_xinference_model_types_and_context_lengths_are_read_from_the_list():
    """Items as xinference/api/restful_api.py ``list_models`` builds them (``id``, ``object``, ``owned_by`` and the
    model's ``to_description()``), xorbitsai/inference, checked 2026-12-02."""
    listed = {
        "object": "list",
        "data": [
            {"id": "qwen3", "object": "model", "owned_by": "xinference", "model_type": "LLM", "context_length": 32768},
            {"id": "bge-m3", "owned_by": "xinference", "model_type": "embedding", "max_tokens": 8192},
            {"id": "bge-reranker", "owned_by": "xinference", "model_type": "rerank"},
            {"id": "whisper", "owned_by": "xinference", "model_type": "audio", "model_ability": ["audio2text"]},
            {"id": "chattts", "owned_by": "xinference", "model_type": "audio", "model_ability": ["text2audio"]},
            {"id": "sd3", "owned_by": "xinference", "model_type": "image"},
        ],
    }
    found = [(m.name, m.model_type, m.context_window) for m in adapter().models_response(listed)]
    assert found == [
        ("qwen3", "llm", 32768),
        ("bge-m3", "text-embedding", 8192),
        ("bge-reranker", "rerank", None),
        ("whisper", "speech2text", None),
        ("chattts", "text-to-speech", None),
        ("sd3", "image", None),
    ]


def test_vllm_and_llama_cpp_context_windows_are_read_from_the_list():
    """vLLM's ``ModelCard.max_model_len`` (vllm/entrypoints/openai/protocol.py); llama.cpp's ``meta`` from
    https://github.com/ggml-org/llama.cpp/blob/master/tools/server/README.md (both checked 2026-12-02)."""
    vllm = {
        "id": "Qwen/Qwen3-8B",
        "object": "model",
        "owned_by": "vllm",
        "root": "Qwen/Qwen3-8B",
        "max_model_len": 8192,
    }
    llama = {
        "id": "../models/Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf",
        "object": "model",
        "owned_by": "llamacpp",
        "meta": {"vocab_type": 2, "n_vocab": 128256, "n_ctx_train": 131072, "n_embd": 4096},
    }
    loaded = {"id": "gemma", "owned_by": "llamacpp", "meta": {"n_ctx": 4096, "n_ctx_train": 32768}}
    found = adapter().models_response({"object": "list", "data": [vllm, llama, loaded, {"id": "gpt-4o"}]})
    assert [(m.model_type, m.context_window) for m in found] == [
        (None, 8192),
        (None, 131072),
        (None, 4096),
        (None, None),
    ]


# --- through the fake provider --------------------------------------------------------------------------------


def test_an_image_reaches_the_fake(fake):
    a = adapter(f"{fake.url}/v1")
    message = Message("user", (ImagePart(data=PNG, media_type="image/png"), TextPart("what is this?")))
    result = transport().call(a.chat_request(ChatParams("echo-1", (message,)), stream=False), a.chat_response)
    assert result.content == "[1 image] Echo: what is this?"


def test_json_mode_makes_the_fake_answer_with_a_json_object(fake):
    a = adapter(f"{fake.url}/v1")
    params = ChatParams("echo-1", HI, response_format=ResponseFormat("json_object"))
    assert transport().call(a.chat_request(params, stream=False), a.chat_response).content == '{"echo": "Echo: hi"}'


def test_a_nousage_model_of_the_fake_streams_no_usage_even_when_asked(fake):
    a = adapter(f"{fake.url}/v1")
    deltas = list(transport().chat_stream(a, a.chat_request(ChatParams("echo-nousage", HI), stream=True)))
    assert "".join(d.content for d in deltas) == "Echo: hi" and not [d for d in deltas if d.usage]


def test_the_fake_reports_usage_details_that_the_adapter_reads(fake):
    a = adapter(f"{fake.url}/v1")
    usage = transport().call(a.chat_request(ChatParams("echo-1", HI), stream=False), a.chat_response).usage
    assert (usage.cached_input_tokens, usage.reasoning_tokens) == (0, 0)
