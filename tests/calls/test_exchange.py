"""The inspector's record of a call: the exact request (URL, headers, body) and the response or the stream's
events, redacted of every secret, kept only when asked for."""

from __future__ import annotations

import json

import pytest

from calls import services
from core.errors import ProviderError
from wire.types import Message

HI = [Message("user", "hi there")]


def test_a_whole_reply_is_captured_without_its_key(point_at, canary):
    outcome = services.chat(credential=point_at("openai_compatible"), model="echo-1", messages=HI, capture=True)
    exchange = outcome.exchange
    request, response = exchange["request"], exchange["response"]
    assert request["method"] == "POST" and request["url"].endswith("/v1/chat/completions")
    assert request["headers"]["authorization"] == "Bearer [REDACTED]"
    assert json.loads(request["body"])["messages"] == [{"role": "user", "content": "hi there"}]
    assert response["status"] == 200 and json.loads(response["body"])["choices"][0]["message"]["content"]
    assert canary[-8:] not in json.dumps(exchange)


def test_a_stream_is_captured_event_by_event(point_at, canary):
    stream = services.chat_stream(credential=point_at("openai_compatible"), model="echo-1", messages=HI, capture=True)
    text = "".join(d.content for d in stream)
    body = stream.outcome.exchange["response"]["body"]
    assert body.splitlines()[0].startswith("data: {") and "data: [DONE]" in body and text
    assert canary[-8:] not in json.dumps(stream.outcome.exchange)


def test_a_failed_call_keeps_the_providers_answer(point_at, canary):
    stream = services.chat_stream(
        credential=point_at("openai_compatible"), model="echo-fault-echo-key", messages=HI, capture=True, max_attempts=1
    )
    with pytest.raises(ProviderError):
        list(stream)
    exchange = stream.exchange
    assert exchange["response"]["status"] == 400 and "[REDACTED]" in exchange["response"]["body"]
    assert canary[-8:] not in json.dumps(exchange)


def test_nothing_is_kept_unless_asked_for(point_at):
    assert services.chat(credential=point_at("openai_compatible"), model="echo-1", messages=HI).exchange is None
