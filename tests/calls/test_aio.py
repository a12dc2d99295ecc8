"""The asynchronous calls (``calls.aio``) against the fake provider over a real loopback socket, through the aiohttp
transport: the same answers, retries, time limits, typed and redacted errors and CallLog rows as the
synchronous ``calls.services``.

Each test does as a fast path does: ``*_begin`` and ``finish`` where the database may be used, the provider call
on an event loop (``asyncio.run``) in between.
"""

from __future__ import annotations

import time

import pytest

from calls import aio, call_log, services
from calls.models import CallLog
from core.errors import InvalidInput, ModelDeskError, ProviderError
from tests.asgi_client import run_async
from tests.calls.test_adapters_live import CHAT_PROVIDERS, HI, model_for


def sent(chat: aio.ChatCall) -> services.ChatOutcome:
    run_async(chat.send())
    return chat.finish()


def streamed(stream: aio.ChatStreamAsync, *, upto: int | None = None) -> list[str]:
    """The stream's deltas' text (ticks as ""), or the first ``upto`` of them and then the reader leaves."""

    async def read() -> list[str]:
        pieces: list[str] = []
        deltas = stream.deltas()
        try:
            async for delta in deltas:
                pieces.append(delta.content)
                if upto is not None and len([p for p in pieces if p]) >= upto:
                    break
        finally:
            await deltas.aclose()
        return pieces

    try:
        return run_async(read())
    finally:
        stream.finish()


def failed(run) -> tuple[ModelDeskError, float]:
    started = time.monotonic()
    with pytest.raises(ModelDeskError) as info:
        run()
    return info.value, time.monotonic() - started


@pytest.mark.parametrize("slug, path, extra", CHAT_PROVIDERS, ids=[c[0] for c in CHAT_PROVIDERS])
def test_every_chat_protocol_answers_as_the_synchronous_call_does(point_at, slug, path, extra):
    credential = point_at(slug, path, **extra)
    expected = services.chat(credential=credential, model=model_for(slug), messages=HI)
    outcome = sent(aio.chat_begin(credential=credential, model=model_for(slug), messages=HI))
    assert outcome.content == expected.content == "Echo: hi there"
    assert outcome.info.usage == expected.info.usage
    assert outcome.info.attempts == 1
    call_log.flush()
    assert list(CallLog.objects.values_list("operation", "status")) == [("chat", "ok"), ("chat", "ok")]


@pytest.mark.parametrize("slug, path, extra", CHAT_PROVIDERS, ids=[c[0] for c in CHAT_PROVIDERS])
def test_every_chat_protocol_streams_piece_by_piece(point_at, slug, path, extra):
    credential = point_at(slug, path, **extra)
    stream = aio.stream_begin(credential=credential, model=model_for(slug), messages=HI)
    pieces = [p for p in streamed(stream) if p]
    assert len(pieces) > 1
    assert "".join(pieces) == "Echo: hi there"
    assert stream.outcome is not None
    assert stream.outcome.info.usage.output_tokens == 4
    assert stream.outcome.info.ttft_ms is not None
    call_log.flush()
    row = CallLog.objects.get()
    assert (row.operation, row.status, row.tokens_out) == ("chat_stream", "ok", 4)


def test_reasoning_streams_apart_from_the_answer(point_at):
    stream = aio.stream_begin(credential=point_at("deepseek"), model="deepseek-echo", messages=HI)
    streamed(stream)
    assert stream.outcome is not None
    assert stream.outcome.reasoning and stream.outcome.content == "Echo: hi there"


def test_server_errors_are_retried_until_the_reply_comes(point_at):
    outcome = sent(aio.chat_begin(credential=point_at("openai_compatible"), model="echo-fault-flaky-2", messages=HI))
    assert outcome.content == "Echo: hi there"
    assert outcome.info.attempts == 3


def test_a_stream_that_fails_before_its_first_token_is_retried(point_at):
    stream = aio.stream_begin(credential=point_at("openai_compatible"), model="echo-fault-flaky-1", messages=HI)
    assert "".join(streamed(stream)) == "Echo: hi there"
    assert stream.outcome is not None and stream.outcome.info.attempts == 2


def test_a_refusal_is_typed_recorded_and_keeps_no_secret(point_at, canary):
    chat = aio.chat_begin(credential=point_at("openai_compatible"), model="echo-fault-echo-key-long", messages=HI)
    error, _took = failed(lambda: sent(chat))
    assert isinstance(error, ProviderError)
    assert canary not in str(error) and canary[:8] not in str(error)
    call_log.flush()
    row = CallLog.objects.get()
    assert row.status == "error" and canary[:8] not in row.message


def test_a_trickled_body_is_stopped_at_the_deadline(point_at):
    chat = aio.chat_begin(
        credential=point_at("openai_compatible"), model="echo-1-fault-trickle", messages=HI, deadline=0.5
    )
    error, took = failed(lambda: sent(chat))
    assert 0.45 <= took < 1.1
    assert "deadline of 0.5 s" in str(error)


def test_keep_alive_comments_do_not_reset_the_first_token_limit(point_at, settings):
    settings.PROVIDER_STREAM_FIRST_TOKEN_TIMEOUT = 0.3
    stream = aio.stream_begin(
        credential=point_at("openai_compatible"), model="echo-1-fault-keepalive", messages=HI, max_attempts=1
    )
    error, took = failed(lambda: streamed(stream))
    assert 0.25 <= took < 1.0
    assert "no first token within 0.3 s" in str(error)
    call_log.flush()
    assert CallLog.objects.get().error_type == "provider_unavailable"


def test_the_providers_keep_alives_reach_the_reader_as_ticks(point_at, settings):
    settings.PROVIDER_STREAM_FIRST_TOKEN_TIMEOUT = 0.35
    stream = aio.stream_begin(
        credential=point_at("openai_compatible"), model="echo-1-fault-keepalive", messages=HI, max_attempts=1
    )
    pieces: list[str] = []

    async def read() -> None:
        async for delta in stream.deltas():
            pieces.append(delta.content)

    with pytest.raises(ProviderError):
        run_async(read())
    stream.finish()
    assert pieces and set(pieces) == {""}  # a keep-alive every 0.1 s, no content


def test_a_stream_that_goes_quiet_after_its_first_token_fails_at_the_idle_limit(point_at, settings):
    settings.PROVIDER_STREAM_IDLE_TIMEOUT = 0.3
    stream = aio.stream_begin(
        credential=point_at("openai_compatible"), model="echo-1-fault-silent", messages=HI, max_attempts=1
    )
    error, took = failed(lambda: streamed(stream))
    assert took < 2.0
    assert "stalled" in str(error)
    assert stream.received  # the part before the silence


def test_a_reader_that_leaves_is_recorded_as_cancelled_with_the_tokens_seen(point_at):
    stream = aio.stream_begin(credential=point_at("openai_compatible"), model="echo-1", messages=HI)
    streamed(stream, upto=1)
    assert stream.outcome is None
    call_log.flush()
    row = CallLog.objects.get()
    assert (row.status, row.error_type) == ("error", "cancelled")
    assert row.tokens_out


def test_an_ndjson_stream_is_read_line_by_line(point_at):
    """Ollama streams NDJSON: the feed's own comment line must not reach its parser as JSON."""
    stream = aio.stream_begin(credential=point_at("ollama", ""), model="echo-1", messages=HI)
    assert "".join(streamed(stream)) == "Echo: hi there"


def test_a_polled_protocol_is_sent_by_the_synchronous_transport(point_at):
    """Replicate's predictions are read again until final (``wire.polling``), in a thread."""
    chat = aio.chat_begin(credential=point_at("replicate", "/v1"), model="owner/slow-2-llm", messages=HI)
    assert chat.ready.polls
    assert sent(chat).content


def test_the_inspector_keeps_the_streams_lines_redacted(point_at, canary):
    stream = aio.stream_begin(credential=point_at("openai_compatible"), model="echo-1", messages=HI, capture=True)
    streamed(stream)
    exchange = stream.exchange
    assert exchange is not None and exchange["response"]["status"] == 200
    assert "data: [DONE]" in exchange["response"]["body"]
    assert canary[:8] not in str(exchange)


def test_a_bad_request_raises_at_begin_before_anything_is_sent(point_at, fake_provider):
    credential = point_at("openai_compatible")
    with pytest.raises(InvalidInput):
        aio.chat_begin(credential=credential, model="bad model name\n", messages=HI)
    with pytest.raises(InvalidInput):
        aio.stream_begin(credential=credential, model="echo-1", messages=HI, temperature=-1)
    assert fake_provider.requests == []


def test_a_quota_that_cannot_be_settled_does_not_cost_the_reply(point_at, monkeypatch, caplog):
    """The provider answered; a database still locked after every retry loses the quota's count of the call
    (logged), never the reply."""
    from django.db import OperationalError

    from access.services import Admission

    def locked(self, **_kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(Admission, "settle", locked)
    outcome = sent(aio.chat_begin(credential=point_at("openai_compatible"), model="echo-1", messages=HI))
    assert outcome.content == "Echo: hi there"
    assert "could not settle the quotas" in caplog.text
