from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client


@pytest.fixture
def llm(point_at):
    """An OpenAI-compatible credential on the fake provider, with one catalog model."""
    from providers.models import ProviderModel

    credential = point_at("openai_compatible")
    ProviderModel.objects.create(
        provider=credential.provider,
        name="echo-1",
        model_type="llm",
        context_window=4096,
        temperature_min=0,
        temperature_max=2,
        top_p_min=0,
        top_p_max=1,
        max_tokens_min=1,
        max_tokens_max=1024,
    )
    return credential


@pytest.fixture
def player(django_user_model) -> Any:
    """A non-staff user who was granted the playground permission."""
    user = django_user_model.objects.create_user(username="player", password="pw-player-123")
    user.user_permissions.add(Permission.objects.get(codename="use_playground"))
    return user


@pytest.fixture
def player_client(player) -> Client:
    client = Client()
    client.force_login(player)
    return client
