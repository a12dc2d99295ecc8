from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def fake(fake_provider: Any) -> Any:
    """The fake provider on a loopback port (``tests/conftest.py``), under the wire tests' shorter name."""
    return fake_provider
