"""Adapters parse payloads copied from the providers' documentation, quirks included."""

from __future__ import annotations

import json

import pytest

from core.errors import (
    AuthenticationFailed,
    BadResponse,
    ContextTooLong,
    ModelNotFound,
    PermissionDenied,
    ProviderUnavailable,
    QuotaExceeded,
    RateLimited,
)
from providers.catalog import spec_get
from wire.adapters import adapter_for
from wire.adapters.errors import error_from_response
from wire.quirks import Quirks
from wire.streaming import ndjson_events, sse_events
from wire.types import TICK, ChatDelta, ChatParams, Message, Target


def adapter(protocol: str = "openai_compatible", **quirks):
    target = Target("p", "Provider", "https://api.example.com/v1", {"api_key": "sk-test"}, {}, Quirks(**quirks))
    return adapter_for(protocol, target)


def sse(*chunks: object, comments: bool = False) -> list[str]:
    lines = [": keep-alive", ""] if comments else []
    for chunk in chunks:
        lines += [f"data: {chunk if isinstance(chunk, str) else json.dumps(chunk)}", ""]
    return lines


def test_a_keep_alive_comment_is_a_tick_and_leaves_the_reply_as_it_is():
    """An SSE comment (DeepSeek's ``: keep-alive``) becomes ``TICK``, so a reader learns the stream is alive; it
    adds nothing to the reply, and a delta that merely happens to be empty is not a tick."""
    events = list(sse_events(sse(chunk("Hi"), chunk(finish="stop"), "[DONE]", comments=True)))
    assert events[0].comment and events[0].data == "" and not events[1].comment
    deltas = list(adapter().chat_deltas(iter(events)))
    assert deltas[0] is TICK and deltas[0].is_tick
    assert [d for d in deltas if d.is_tick] == [TICK]
    assert "".join(d.content for d in deltas) == "Hi"
    assert not ChatDelta().is_tick


def chunk(content=None, finish=None, usage=None, choices=True, **delta):
    body = {"id": "c", "object": "chat.completion.chunk", "model": "m", "usage": usage}
    if content is not None:
        delta["content"] = content
    body["choices"] = [{"index": 0, "delta": delta, "finish_reason": finish}] if choices else []
    return body


def test_openai_stream_with_usage_chunk():
    lines = sse(
        chunk("", role="assistant"),
        chunk("Hel"),
        chunk("lo"),
        chunk(finish="stop"),
        chunk(choices=False, usage={"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15}),
        "[DONE]",
    )
    deltas = list(adapter().chat_deltas(sse_events(lines)))
    assert "".join(d.content for d in deltas) == "Hello"
    usage = [d.usage for d in deltas if d.usage]
    assert (usage[-1].input_tokens, usage[-1].output_tokens) == (12, 3)


def test_moonshot_usage_inside_the_final_choice():
    final = chunk(finish="stop")
    final["choices"][0]["usage"] = {"prompt_tokens": 19, "completion_tokens": 13, "total_tokens": 32}
    deltas = list(adapter().chat_deltas(sse_events(sse(chunk("Hi"), final, "[DONE]"))))
    assert [d.usage.output_tokens for d in deltas if d.usage] == [13]


def test_deepseek_keepalive_comments_and_reasoning_content():
    lines = sse(chunk(reasoning_content="think"), chunk("answer"), chunk(finish="stop"), "[DONE]", comments=True)
    deltas = list(adapter().chat_deltas(sse_events(lines)))
    assert "".join(d.reasoning for d in deltas) == "think"
    assert "".join(d.content for d in deltas) == "answer"


def test_azure_empty_first_chunk_is_skipped():
    first = {"id": "", "choices": [], "created": 0, "model": "", "object": "", "prompt_filter_results": []}
    deltas = list(adapter().chat_deltas(sse_events(sse(first, chunk("ok"), chunk(finish="stop"), "[DONE]"))))
    assert "".join(d.content for d in deltas) == "ok"


def test_multi_line_data_is_joined():
    lines = [
        'data: {"choices": [{"delta": {"content": "a"},',
        'data: "finish_reason": "stop"}]}',
        "",
        "data: [DONE]",
        "",
    ]
    assert [d.content for d in adapter().chat_deltas(sse_events(lines))] == ["a"]


def test_error_frame_mid_stream():
    lines = sse(chunk("par"), {"error": {"message": "overloaded", "type": "server_error"}})
    with pytest.raises(ProviderUnavailable, match="overloaded"):
        list(adapter().chat_deltas(sse_events(lines)))


def test_stream_that_stops_without_finishing_is_a_bad_response():
    with pytest.raises(BadResponse, match="ended before"):
        list(adapter().chat_deltas(sse_events(sse(chunk("par")))))


def test_openai_max_tokens_parameter_is_a_quirk():
    params = ChatParams(model="gpt-4o", messages=(Message("user", "hi"),), max_tokens=5)
    assert (
        adapter(max_tokens_param="max_completion_tokens")
        .chat_request(params, stream=False)
        .json["max_completion_tokens"]
        == 5
    )
    streamed = adapter().chat_request(params, stream=True).json
    assert streamed["max_tokens"] == 5 and streamed["stream_options"] == {"include_usage": True}


def test_gemini_models_are_listed_without_their_prefix():
    body = {"object": "list", "data": [{"id": "models/gemini-2.5-flash", "object": "model"}]}
    assert [m.name for m in adapter(model_id_prefix="models/").models_response(body)] == ["gemini-2.5-flash"]


def test_azure_urls_use_the_deployment_and_api_version():
    target = Target(
        "azure_openai",
        "Azure",
        "https://r.openai.azure.com",
        {"api_key": "k"},
        {"api_version": "2024-10-21", "deployment": "prod-4o"},
    )
    spec = adapter_for("azure_openai", target).chat_request(
        ChatParams(model="gpt-4o", messages=(Message("user", "hi"),)), stream=False
    )
    assert spec.url == "https://r.openai.azure.com/openai/deployments/prod-4o/chat/completions"
    assert spec.params == {"api-version": "2024-10-21"}
    assert spec.headers == {"api-key": "k"}


def test_anthropic_system_is_top_level_and_stream_events_carry_usage():
    a = adapter("anthropic")
    spec = a.chat_request(ChatParams("claude", (Message("system", "terse"), Message("user", "hi"))), stream=True)
    assert spec.json["system"] == "terse" and spec.json["messages"] == [{"role": "user", "content": "hi"}]
    assert spec.headers["anthropic-version"] == "2023-06-01" and spec.headers["x-api-key"] == "sk-test"
    events = [
        ("message_start", {"type": "message_start", "message": {"usage": {"input_tokens": 12, "output_tokens": 1}}}),
        ("content_block_start", {"type": "content_block_start", "index": 0, "content_block": {"type": "text"}}),
        ("ping", {"type": "ping"}),
        ("content_block_delta", {"type": "content_block_delta", "delta": {"type": "text_delta", "text": "Hello!"}}),
        (
            "message_delta",
            {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 6}},
        ),
        ("message_stop", {"type": "message_stop"}),
    ]
    lines = [line for name, data in events for line in (f"event: {name}", f"data: {json.dumps(data)}", "")]
    deltas = list(a.chat_deltas(sse_events(lines)))
    assert "".join(d.content for d in deltas) == "Hello!"
    usage = [d.usage for d in deltas if d.usage]
    assert usage[0].input_tokens == 12 and usage[-1].output_tokens == 6


def test_ollama_ndjson_stream():
    lines = [
        json.dumps({"model": "llama3.2", "message": {"role": "assistant", "content": "The"}, "done": False}),
        json.dumps(
            {
                "model": "llama3.2",
                "message": {"role": "assistant", "content": ""},
                "done": True,
                "done_reason": "stop",
                "prompt_eval_count": 26,
                "eval_count": 282,
            }
        ),
    ]
    deltas = list(adapter("ollama").chat_deltas(ndjson_events(lines)))
    assert deltas[0].content == "The"
    assert (deltas[-1].usage.input_tokens, deltas[-1].usage.output_tokens) == (26, 282)


def test_ollama_mid_stream_error_line():
    lines = [json.dumps({"message": {"content": "a"}, "done": False}), json.dumps({"error": "model crashed"})]
    with pytest.raises(ProviderUnavailable, match="model crashed"):
        list(adapter("ollama").chat_deltas(ndjson_events(lines)))


def test_cohere_rerank_maps_indexes_back_to_documents():
    body = {
        "id": "x",
        "results": [{"index": 1, "relevance_score": 0.9}, {"index": 0, "relevance_score": 0.1}],
        "meta": {"api_version": {"version": "2"}},
    }
    result = adapter("cohere").rerank_response(body, ["a", "b"])
    assert [(h.index, h.document) for h in result.hits] == [(1, "b"), (0, "a")]


@pytest.mark.parametrize(
    "status, body, expected",
    [
        (401, {"error": {"message": "Incorrect API key provided", "code": "invalid_api_key"}}, AuthenticationFailed),
        (
            400,
            [
                {
                    "error": {
                        "code": 400,
                        "message": "API key not valid. Please pass a valid API key.",
                        "status": "INVALID_ARGUMENT",
                    }
                }
            ],
            AuthenticationFailed,
        ),
        (
            401,
            {"error": {"code": "401", "message": "Access denied due to invalid subscription key"}},
            AuthenticationFailed,
        ),
        (400, {"error": {"code": "1261", "message": "Prompt exceeds max length"}}, ContextTooLong),
        (429, {"error": {"code": "1302", "message": "concurrency"}}, RateLimited),
        (400, {"error": {"code": "1002", "message": "Authorization Token非法"}}, AuthenticationFailed),
        (
            400,
            {
                "error": {
                    "message": "This model's maximum context length is 8192 tokens.",
                    "code": "context_length_exceeded",
                }
            },
            ContextTooLong,
        ),
        (
            400,
            {"error": {"message": "Invalid request: Your request exceeded model token limit: 262144"}},
            ContextTooLong,
        ),
        (404, {"error": "model 'x' not found"}, ModelNotFound),
        (403, {"type": "error", "error": {"type": "permission_error", "message": "no"}}, PermissionDenied),
        (402, {"error": {"message": "Insufficient Balance", "type": "unknown_error"}}, QuotaExceeded),
        (529, {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}, ProviderUnavailable),
        (401, {"message": "invalid api token"}, AuthenticationFailed),
        (400, {"detail": "bad input"}, None),
    ],
)
def test_error_bodies_of_every_provider_map_to_the_taxonomy(status, body, expected):
    """Zhipu's business codes come from its catalog entry's quirks; the other shapes need none."""
    codes = spec_get("zhipu").quirks.error_codes
    error = error_from_response(status, json.dumps(body, ensure_ascii=False), codes=codes)
    assert type(error) is (expected or type(error))
    if expected is None:
        assert error.error_type == "bad_request" and "bad input" in str(error)


def test_html_error_page_is_described_not_dumped():
    error = error_from_response(502, "<html><body><h1>502 Bad Gateway</h1></body></html>")
    assert isinstance(error, ProviderUnavailable)
    assert "HTML page" in str(error) and "<h1>" not in str(error)


def test_an_unknown_protocol_names_the_registered_ones():
    from django.core.exceptions import ImproperlyConfigured

    from wire.adapters import adapter_class

    with pytest.raises(ImproperlyConfigured) as info:
        adapter_class("grpc")
    assert "'grpc'" in str(info.value) and "openai_compatible" in str(info.value) and "anthropic" in str(info.value)


def test_without_its_codes_a_zhipu_code_is_only_what_the_status_says():
    error = error_from_response(400, json.dumps({"error": {"code": "1261", "message": "Prompt exceeds max length"}}))
    assert error.error_type == "bad_request"


@pytest.mark.parametrize(
    "status, body",
    [
        # https://platform.openai.com/docs/guides/error-codes (checked 2026-12-01): billing errors are 429s.
        (429, {"error": {"message": "You exceeded your current quota", "type": "insufficient_quota", "code": None}}),
        (
            429,
            {"error": {"message": "No credits left", "type": "insufficient_quota", "code": "credit_balance_exhausted"}},
        ),
        # https://api-docs.deepseek.com/quick_start/error_codes: 402 - Insufficient Balance.
        (402, {"error": {"message": "Insufficient Balance", "type": "unknown_error", "code": "invalid_request_error"}}),
        # https://docs.anthropic.com/en/api/errors: 402 billing_error.
        (402, {"type": "error", "error": {"type": "billing_error", "message": "Your credit balance is too low."}}),
        # https://docs.z.ai/api-reference/api-code: 1113, the account is in arrears (sent as a 429).
        (429, {"error": {"code": "1113", "message": "Your account is in arrears, please recharge and try again"}}),
    ],
)
def test_billing_errors_are_quota_exceeded_and_final(status, body):
    codes = spec_get("zhipu").quirks.error_codes
    error = error_from_response(status, json.dumps(body), codes=codes)
    assert error.error_type == "quota_exceeded" and error.final
