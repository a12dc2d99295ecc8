"""What a real self-hosted model server needs (the issue's llama-cpp-python session with gemma-3-270m), against the
fake provider over a real loopback socket: the server's own reason when a stream ends before its first token,
estimated usage when a stream carries none, the reply's finish reason, no retry of a timed-out attempt, and a
conservative reply limit for a model without rules."""

from __future__ import annotations

import json
import time

import pytest

from calls import services
from calls.models import CallLog
from core.errors import ProviderError
from providers.models import ProviderModel
from wire.types import Message

HI = [Message("system", "You are terse."), Message("user", "hi there")]


def test_a_stream_that_ends_before_its_first_token_is_asked_again_without_streaming(point_at, fake_provider):
    """The server refused the prompt after sending the stream's headers; the non-streaming answer says why."""
    stream = services.chat_stream(
        credential=point_at("openai_compatible"), model="echo-1-fault-empty-stream-context", messages=HI
    )
    with pytest.raises(ProviderError) as info:
        list(stream)
    assert "exceed context window of 2048" in str(info.value)
    bodies = [json.loads(r.body) for r in fake_provider.requests if r.path.endswith("/chat/completions")]
    assert [bool(b.get("stream")) for b in bodies] == [True, False]
    assert CallLog.objects.get().status == "error"


def test_a_stream_without_usage_records_an_estimate_marked_as_such(point_at):
    """The server ignores ``stream_options.include_usage``: the call log and the outcome get an estimate."""
    stream = services.chat_stream(credential=point_at("openai_compatible"), model="echo-nousage", messages=HI)
    content = "".join(d.content for d in stream)
    usage = stream.outcome.info.usage
    assert usage.estimated and usage.input_tokens > 0 and usage.output_tokens >= len(content) // 4 > 0
    row = CallLog.objects.get()
    assert row.usage_estimated and row.tokens_out == usage.output_tokens


def test_usage_is_estimated_only_when_missing():
    from calls.usage import usage_or_estimate
    from wire.types import Usage

    reported = Usage(input_tokens=3, output_tokens=2)
    assert usage_or_estimate(reported, HI, "hello") is reported
    estimate = usage_or_estimate(Usage(), HI, "你好世界, hello there")
    assert estimate.estimated and estimate.input_tokens > 0 and estimate.output_tokens >= 4


def test_the_call_log_keeps_the_finish_reason_and_marks_estimated_usage(point_at):
    services.chat(credential=point_at("openai_compatible"), model="echo-1", messages=HI)
    row = CallLog.objects.get()
    assert row.finish_reason == "stop"
    assert row.usage_estimated is False and row.tokens_in is not None


def test_a_timed_out_attempt_is_not_retried_on_a_self_hosted_server(point_at, fake_provider, settings):
    """llama.cpp-style servers serve one request at a time: a retry would queue behind the abandoned one."""
    settings.PROVIDER_HTTP_READ_TIMEOUT = 0.2
    with pytest.raises(ProviderError) as info:
        services.chat(credential=point_at("openai_compatible"), model="echo-1-fault-stall", messages=HI, deadline=5)
    assert info.value.attempts == 1


def test_a_timed_out_attempt_is_retried_on_a_hosted_provider(point_at, settings):
    settings.PROVIDER_HTTP_READ_TIMEOUT = 0.2
    with pytest.raises(ProviderError) as info:
        services.chat(
            credential=point_at("openai"), model="echo-1-fault-stall", messages=HI, deadline=5, max_attempts=2
        )
    assert info.value.attempts == 2


def test_a_model_without_rules_gets_a_conservative_reply_limit(point_at, fake_provider, settings):
    settings.CHAT_DEFAULT_MAX_TOKENS = 321
    credential = point_at("openai_compatible")
    services.chat(credential=credential, model="typed-by-hand", messages=HI)
    ProviderModel.objects.create(
        provider=credential.provider, name="echo-ruled", model_type="llm", origin="custom", max_tokens_default=77
    )
    services.chat(credential=credential, model="echo-ruled", messages=HI)
    services.chat(credential=credential, model="echo-ruled", messages=HI, max_tokens=5)
    bodies = [json.loads(r.body) for r in fake_provider.requests if r.path.endswith("/chat/completions")]
    assert [b.get("max_tokens") for b in bodies] == [321, 77, 5]


def test_a_context_too_long_error_names_the_sizes(point_at):
    """The server's own message (llama-cpp-python's), then what ModelDesk sent and knows of the model's window."""
    credential = point_at("openai_compatible")
    ProviderModel.objects.create(
        provider=credential.provider,
        credential=credential,
        name="echo-small-fault-empty-stream-context",
        model_type="llm",
        origin="discovered",
        context_window=2048,
    )
    stream = services.chat_stream(
        credential=credential, model="echo-small-fault-empty-stream-context", messages=HI, max_tokens=512
    )
    with pytest.raises(ProviderError) as info:
        list(stream)
    message = str(info.value)
    assert info.value.error_type == "context_too_long"
    assert "exceed context window of 2048" in message
    assert "up to 512 reply tokens" in message and "2048 tokens, as set on the model" in message
    assert "2048 tokens, as set on the model" in CallLog.objects.get().message


def test_keep_alives_reach_the_reader_as_ticks_and_a_stop_between_them_is_logged_as_cancelled(point_at):
    """echo-1-fault-keepalive sends keep-alive comments every 0.1 s for a minute before its first token: the
    reader gets a tick for each, so it can stop (or notice its own client went away) while nothing else comes."""
    stream = services.chat_stream(credential=point_at("openai_compatible"), model="echo-1-fault-keepalive", messages=HI)
    pieces = iter(stream)
    ticks = [next(pieces) for _ in range(3)]
    assert all(delta.is_tick for delta in ticks)
    pieces.close()
    row = CallLog.objects.get()
    assert row.error_type == "cancelled" and row.latency_ms < 5000


def test_with_tick_seconds_a_silent_stream_ticks_and_a_stop_ends_its_read_at_once(point_at):
    """echo-1-fault-silent sends two chunks and then not a byte for 30 s. With ``tick_seconds`` the reader gets
    ticks meanwhile, and stopping there shuts the upstream socket at once (the call is logged as cancelled)."""
    stream = services.chat_stream(
        credential=point_at("openai_compatible"), model="echo-1-fault-silent", messages=HI, tick_seconds=0.1
    )
    pieces = iter(stream)
    content = []
    while not (delta := next(pieces)).is_tick:
        content.append(delta.content)
    assert "".join(content).startswith("Echo") and next(pieces).is_tick
    started = time.monotonic()
    pieces.close()
    assert time.monotonic() - started < 1
    assert stream.ready.transport.limits.alarm.rang == "cancelled"  # the socket was shut, not left to time out
    row = CallLog.objects.get()
    assert row.error_type == "cancelled" and row.tokens_out >= 1


def test_a_stream_the_reader_stops_is_logged_as_cancelled_with_the_tokens_seen(point_at):
    stream = services.chat_stream(credential=point_at("openai_compatible"), model="echo-nousage", messages=HI)
    pieces = iter(stream)
    first = next(delta for delta in pieces if not delta.is_tick)
    pieces.close()  # the reader went away (Stop, a closed tab)
    row = CallLog.objects.get()
    assert row.error_type == "cancelled" and first.content
    assert row.usage_estimated and row.tokens_in > 0 and row.tokens_out >= 1
