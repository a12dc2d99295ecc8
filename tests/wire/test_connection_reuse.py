"""A stream is read to its body's end, so that the next call reuses the connection (no new TCP or TLS
handshake); a server that keeps the body open after the last event costs a dropped connection, not a wait."""

from __future__ import annotations

import socket
import time

import pytest

from calls import services
from wire.types import Message

HI = [Message("user", "hello")]
pytestmark = pytest.mark.django_db


@pytest.fixture
def opened(fake_provider) -> list[int]:
    """One entry per connection the fake server accepts."""
    accepted: list[int] = []
    accept = fake_provider.connection_opened

    def counted(connection: socket.socket) -> None:
        accepted.append(1)
        accept(connection)

    fake_provider.connection_opened = counted
    return accepted


@pytest.mark.parametrize(
    ("slug", "path", "model"), [("openai_compatible", "/v1", "echo-1"), ("anthropic", "", "claude-echo")]
)
def test_streamed_calls_one_after_another_share_one_connection(point_at, opened, slug, path, model):
    credential = point_at(slug, path)
    for _ in range(4):
        text = "".join(d.content for d in services.chat_stream(credential=credential, model=model, messages=HI))
        assert "hello" in text
    assert len(opened) == 1


def test_a_chat_then_a_stream_share_one_connection(point_at, opened):
    credential = point_at("openai_compatible")
    services.chat(credential=credential, model="echo-1", messages=HI)
    list(services.chat_stream(credential=credential, model="echo-1", messages=HI))
    services.chat(credential=credential, model="echo-1", messages=HI)
    assert len(opened) == 1


def test_a_body_held_open_after_the_last_event_is_given_up_quickly(point_at, opened, monkeypatch):
    """The fake's ``-fault-linger`` stream sends ``[DONE]`` and then holds its body open for seconds."""
    import wire.transport

    monkeypatch.setattr(wire.transport, "DRAIN_SECONDS", 0.2)
    credential = point_at("openai_compatible")
    started = time.monotonic()
    deltas = list(services.chat_stream(credential=credential, model="echo-1-fault-linger", messages=HI))
    assert "hello" in "".join(d.content for d in deltas)
    assert time.monotonic() - started < 1.5
