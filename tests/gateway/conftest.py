"""The gateway tests' key owner, credential and key."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.keys import api_key_create


@pytest.fixture
def owner(django_user_model) -> Any:
    return django_user_model.objects.create_user(username="app-owner")


@pytest.fixture
def llm(point_at) -> Any:
    from providers.models import ProviderModel

    credential = point_at("openai_compatible", name="team")
    ProviderModel.objects.create(provider=credential.provider, name="echo-1", model_type="llm")
    return credential


@pytest.fixture
def key(owner) -> str:
    return api_key_create(owner=owner, name="ci")[1]


@pytest.fixture(autouse=True)
def _fresh_health() -> Any:
    """Each test starts with no deployment cooling down and empty rate windows (the in-process store)."""
    from gateway import health

    health.reset_memory()
    yield
    health.reset_memory()


@pytest.fixture(autouse=True)
def _call_log_in_the_background(settings) -> Any:
    """As in production: call-log rows go to the background writer, so a call that worked is recorded from the
    event loop (``dispatch.settles_on_loop``); tests read the rows after ``call_log.flush()``."""
    from calls import call_log

    settings.CALL_LOG_ASYNC = True
    yield
    call_log.flush()
