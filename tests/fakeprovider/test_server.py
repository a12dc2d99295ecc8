"""The server itself: recording, routing, the command."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.fakeprovider.helpers import (
    CHAT,
    KEY,
    OPENAI,
)

# --- The server itself. ---


def test_requests_are_recorded_with_lower_cased_headers_and_raw_body_until_reset(client, fake):
    client.post(CHAT + "?trace=1", headers={**OPENAI, "X-Trace-Id": "t-1"}, content=b'{"model":"m","messages":[]}')
    (recorded,) = fake.requests
    assert (recorded.method, recorded.path) == ("POST", CHAT + "?trace=1")
    assert recorded.headers["x-trace-id"] == "t-1" and recorded.headers["authorization"] == f"Bearer {KEY}"
    assert recorded.body == b'{"model":"m","messages":[]}'
    fake.reset()
    assert fake.requests == []


def test_an_unknown_route_is_a_404(client):
    assert client.get("/nowhere").status_code == 404


def test_the_url_names_the_loopback_port(fake):
    assert fake.url == f"http://127.0.0.1:{fake.port}" and fake.port > 0


def test_the_command_refuses_to_serve_on_a_non_loopback_host():
    with pytest.raises(CommandError, match="loopback"):
        call_command("fake_provider", "--host", "192.0.2.10")
