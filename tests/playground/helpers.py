"""Helpers shared by the playground tests."""

from __future__ import annotations

from typing import Any


def form(credential: Any, message: str = "hi", **extra: Any) -> dict[str, Any]:
    """The playground form's fields for one run of ``echo-1`` on ``credential``."""
    return {
        "credential": str(credential.pk),
        "model": "echo-1",
        "system": "You are a helpful assistant",
        "message": message,
        "max_attempts": "1",
        "error_mode": "fail",
        **extra,
    }
