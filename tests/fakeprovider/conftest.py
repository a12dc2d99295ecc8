"""The fake provider on an ephemeral loopback port, and an HTTP client for it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from fakeprovider import FakeProviderServer, running_fake_server
from tests.fakeprovider.helpers import TLS


@pytest.fixture
def fake() -> Iterator[FakeProviderServer]:
    with running_fake_server() as server:
        yield server


@pytest.fixture
def client(fake: FakeProviderServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fake.url, timeout=5, verify=TLS) as client:
        yield client
