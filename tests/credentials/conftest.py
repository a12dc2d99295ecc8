"""Fixtures of the credential tests."""

from __future__ import annotations

from typing import Any

import pytest

from credentials import crypto, selectors, services


class Decryptions:
    """Counts the decryptions of stored secrets, wherever they are asked for."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, token: str, **kwargs: Any) -> str:
        self.count += 1
        return _real_decrypt(token, **kwargs)


_real_decrypt = crypto.decrypt


@pytest.fixture
def decryptions(monkeypatch: pytest.MonkeyPatch) -> Decryptions:
    counter = Decryptions()
    for module in (crypto, selectors, services):
        monkeypatch.setattr(module, "decrypt", counter)
    return counter
