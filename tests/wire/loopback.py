"""Helpers for wire tests that send adapters' requests to the fake provider over a real loopback socket (the
``fake`` fixture, in ``conftest.py``)."""

from __future__ import annotations

from wire.retry import RetryPolicy
from wire.transport import Transport


def transport() -> Transport:
    """A transport that tries once, within ten seconds: a fake provider answers at once or the test is wrong."""
    return Transport(RetryPolicy(max_attempts=1, deadline=10))
