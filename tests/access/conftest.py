from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client


@pytest.fixture
def llm(point_at):
    """An OpenAI-compatible credential on the fake provider with two catalog models; shared with nobody."""
    from providers.models import ProviderModel

    credential = point_at("openai_compatible")
    for name in ("echo-1", "echo-2"):
        ProviderModel.objects.create(provider=credential.provider, name=name, model_type="llm", context_window=4096)
    return credential


@pytest.fixture
def other(point_at):
    return point_at("deepseek", name="fake-deepseek")


def _player(django_user_model: Any, username: str) -> Any:
    user = django_user_model.objects.create_user(username=username, password=f"pw-{username}-123")
    user.user_permissions.add(Permission.objects.get(codename="use_playground"))
    return user


@pytest.fixture
def player(django_user_model) -> Any:
    """A non-staff user with the playground permission and no grant."""
    return _player(django_user_model, "player")


@pytest.fixture
def make_player(django_user_model):
    return lambda username: _player(django_user_model, username)


@pytest.fixture
def player_client(player) -> Client:
    client = Client()
    client.force_login(player)
    return client


@pytest.fixture
def team() -> Group:
    return Group.objects.create(name="team")
