"""The call deadline bounds the whole call; a stream also has a first-token limit and an idle limit.

httpx's read timeout restarts with every byte, so these slow upstreams were never stopped by it: a body sent a
byte at a time, and a stream of keep-alive comments. Each test uses short limits and ``max_attempts=1``.
"""

from __future__ import annotations

import time

import pytest

from calls import services
from calls.models import CallLog
from core.errors import ProviderError
from wire.retry import RetryPolicy
from wire.types import Message

HI = [Message("user", "hello there, this reply is sent one byte at a time")]


def timed(call):
    started = time.monotonic()
    with pytest.raises(ProviderError) as info:
        call()
    return info.value, time.monotonic() - started


def test_a_trickled_body_is_stopped_at_the_deadline(point_at):
    """A server sending one body byte every 0.2 s held a 3 s call for about a minute; now the deadline ends it."""
    credential = point_at("openai_compatible")
    error, took = timed(
        lambda: services.chat(credential=credential, model="echo-1-fault-trickle", messages=HI, deadline=0.5)
    )
    assert 0.45 <= took < 1.1
    assert error.error_type == "provider_unavailable"
    assert "deadline of 0.5 s" in str(error)
    assert CallLog.objects.get().error_type == "provider_unavailable"


def test_a_trickled_stream_is_stopped_at_the_deadline(point_at):
    credential = point_at("anthropic", "")
    stream = services.chat_stream(credential=credential, model="claude-fault-trickle", messages=HI, deadline=0.4)
    error, took = timed(lambda: list(stream))
    assert 0.35 <= took < 1.0
    assert "deadline" in str(error)


def test_keep_alive_comments_do_not_reset_the_first_token_limit(point_at, settings):
    """DeepSeek-style keep-alive comments arrive every 0.1 s, but no token: the first-token limit ends the call."""
    settings.PROVIDER_STREAM_FIRST_TOKEN_TIMEOUT = 0.3
    credential = point_at("openai_compatible")
    stream = services.chat_stream(
        credential=credential, model="echo-1-fault-keepalive", messages=HI, max_attempts=1, deadline=30
    )
    error, took = timed(lambda: list(stream))
    assert 0.25 <= took < 1.0
    assert error.error_type == "provider_unavailable"
    assert "no first token within 0.3 s" in str(error)
    row = CallLog.objects.get()
    assert (row.operation, row.status) == ("chat_stream", "error")


def test_a_stream_that_goes_quiet_after_its_first_token_fails_at_the_idle_limit(point_at, settings):
    settings.PROVIDER_STREAM_IDLE_TIMEOUT = 0.25
    credential = point_at("openai_compatible")
    stream = services.chat_stream(credential=credential, model="echo-1-fault-idle", messages=HI, max_attempts=1)
    received: list[str] = []

    def read() -> None:
        received.extend(delta.content for delta in stream)

    error, took = timed(read)
    assert received, "the first tokens arrive before the stream goes quiet"
    assert error.error_type == "bad_response"
    assert "no event for 0.25 s" in str(error)
    assert took < 1.5


def test_a_stalled_server_is_stopped_by_the_deadline_not_the_read_timeout(point_at, settings):
    settings.PROVIDER_HTTP_READ_TIMEOUT = 30.0
    credential = point_at("openai_compatible")
    error, took = timed(
        lambda: services.chat(credential=credential, model="echo-1-fault-stall", messages=HI, deadline=0.3)
    )
    assert took < 1.2
    assert error.error_type == "provider_unavailable"


def test_retries_stop_when_the_next_wait_would_pass_the_deadline(point_at):
    """A 500 is retried with backoff, but never past the deadline: the sleeps count against it."""
    credential = point_at("openai_compatible")
    error, took = timed(
        lambda: services.chat(
            credential=credential, model="echo-1-fault-500", messages=HI, max_attempts=50, deadline=0.3
        )
    )
    assert took < 0.8
    assert 1 < error.attempts < 50


def test_the_stream_limits_come_from_settings(settings):
    settings.PROVIDER_STREAM_FIRST_TOKEN_TIMEOUT = 7.0
    settings.PROVIDER_STREAM_IDLE_TIMEOUT = 3.0
    policy = RetryPolicy.from_settings(deadline=9)
    assert (policy.first_token_timeout, policy.idle_timeout, policy.deadline) == (7.0, 3.0, 9)
