"""Fixtures of the call layer's tests."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group


@pytest.fixture
def world(db: None, make_credential: Any, django_user_model: Any, canary: str) -> dict[str, Any]:
    """Two users (one in the group "research"), an OpenAI and a DeepSeek credential (the first keyed with the
    canary), and nothing logged yet."""
    research = Group.objects.create(name="research")
    alice = django_user_model.objects.create_user(username="alice")
    alice.groups.add(research)
    bob = django_user_model.objects.create_user(username="bob")
    return {
        "alice": alice,
        "bob": bob,
        "research": research,
        "openai": make_credential("openai-main", "openai", api_key=canary),
        "deepseek": make_credential("deepseek-main", "deepseek", api_key="sk-deepseek-test-00000000"),
    }
