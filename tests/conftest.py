"""Shared fixtures: the loaded catalog, credentials with a planted canary secret, admin clients."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from credentials.crypto import key_ring
from credentials.models import Credential
from credentials.services import credential_save
from providers.models import Provider
from providers.services import catalog_load


@pytest.fixture(autouse=True)
def _clear_key_ring_cache() -> Any:
    """Settings overrides of the key setting must take effect immediately."""
    from credentials import crypto

    crypto._cached_ring.cache_clear()
    yield
    crypto._cached_ring.cache_clear()


@pytest.fixture
def catalog(db: None) -> None:
    catalog_load()


@pytest.fixture
def canary() -> str:
    """A secret value that must never be seen outside of a decrypt call."""
    return "sk-CANARY-" + secrets.token_hex(16)


@pytest.fixture
def provider(catalog: None) -> Callable[[str], Provider]:
    return lambda slug: Provider.objects.get(slug=slug)


@pytest.fixture
def make_credential(catalog: None) -> Callable[..., Credential]:
    def make(name: str = "main", slug: str = "openai", **values: str) -> Credential:
        return credential_save(provider=Provider.objects.get(slug=slug), name=name, values=values)

    return make


@pytest.fixture
def admin_client(db: None, django_user_model: Any) -> Client:
    user = django_user_model.objects.create_superuser(username="root", password="pw-for-tests-only")
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def second_key(settings: Any) -> str:
    """Prepend a new primary key, keeping the old one for decryption."""
    from credentials.crypto import generate_key

    old = settings.CREDENTIAL_ENCRYPTION_KEYS
    new = generate_key()
    settings.CREDENTIAL_ENCRYPTION_KEYS = f"{new},{old}"
    assert key_ring().primary.material != key_ring().keys[1].material
    return new


@pytest.fixture
def fake_provider() -> Any:
    """The fake provider server on an ephemeral loopback port, speaking every supported wire format."""
    from fakeprovider import running_fake_server

    with running_fake_server() as server:
        yield server


@pytest.fixture(autouse=True)
def _fresh_http_clients() -> Any:
    """Shared HTTP clients are rebuilt per test, so timeout settings overridden in a test apply."""
    from wire import http

    http.reset_clients()
    yield
    http.reset_clients()


@pytest.fixture
def point_at(catalog: None, canary: str, fake_provider: Any) -> Callable[..., Credential]:
    """A credential of provider ``slug`` whose base URL is the fake server (plus ``path``), keyed with the canary."""

    def make(slug: str, path: str = "/v1", name: str | None = None, **values: str) -> Credential:
        provider = Provider.objects.get(slug=slug)
        values = {"base_url": fake_provider.url + path, "api_key": canary, **values}
        return credential_save(provider=provider, name=name or f"fake-{slug}", values=values)

    return make


@pytest.fixture(autouse=True)
def _default_language() -> Any:
    """A request with ``Accept-Language: zh-hans`` leaves its language active in the thread (LocaleMiddleware
    activates, nothing deactivates): every test starts and ends in the default language."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_process_caches() -> Any:
    """Each test starts with empty per-process caches: a rolled-back test's rows (and ids) must not outlive it."""
    from core.cache import clear_all

    clear_all()
    yield
    clear_all()


@pytest.fixture(autouse=True)
def _everyone_may_use_new_credentials(request: Any) -> Any:
    """Most tests predate grants (``access``): every credential they make is granted to every signed-in user,
    as an admin would share it. Tests of the grants themselves (``tests/access``, and any module that sets
    ``SHARE_NEW_CREDENTIALS = False``) start from nothing, as a new install does."""
    from django.db.models.signals import post_save

    from access.models import Grant
    from credentials.models import Credential

    if "access" in request.path.parts or not getattr(request.module, "SHARE_NEW_CREDENTIALS", True):
        yield
        return

    def share(sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
        if created and not raw:
            Grant.objects.create(credential=instance)

    post_save.connect(share, sender=Credential, dispatch_uid="tests.share_new_credentials")
    try:
        yield
    finally:
        post_save.disconnect(sender=Credential, dispatch_uid="tests.share_new_credentials")
