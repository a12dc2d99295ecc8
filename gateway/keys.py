"""API keys: made (shown once), found by their digest from this process's cache, revoked."""

from __future__ import annotations

import copy
import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from core.cache import Namespace, auth

from .models import ApiKey

keys = Namespace("gateway")
KEY_PREFIX = "md-"
VISIBLE = 11  # "md-" and the first eight characters of the random part


def digest_of(plaintext: str) -> str:
    """The stored form of a key: its SHA-256 (a key is 256 random bits: no salt or stretching needed)."""
    return hashlib.sha256(plaintext.encode()).hexdigest()


def api_key_create(
    *,
    owner: Any,
    name: str,
    expires_at: datetime | None = None,
    models: Sequence[str] = (),
    rpm_limit: int | None = None,
    tpm_limit: int | None = None,
) -> tuple[ApiKey, str]:
    """A new key and its plaintext, which is shown once and stored nowhere."""
    plaintext = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        owner=owner,
        name=name,
        expires_at=expires_at,
        allowed_models=list(models),
        rpm_limit=rpm_limit,
        tpm_limit=tpm_limit,
    )
    key.prefix, key.digest = plaintext[:VISIBLE], digest_of(plaintext)
    key.full_clean()
    key.save()
    return key, plaintext


def api_key_revoke(key: ApiKey) -> None:
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])


def key_owner(plaintext: str) -> tuple[ApiKey, Any] | None:
    """The usable key with this plaintext and its (active) owner, or None: read once per process until a key
    changes (a revocation is seen everywhere on the next request); expiry is checked on every use."""
    if not plaintext.startswith(KEY_PREFIX) or len(plaintext) > 200:
        return None

    digest = digest_of(plaintext)

    key = keys.get(("key", digest), lambda: ApiKey.objects.filter(digest=digest).first(), keep_none=False)
    if key is None or not key.usable():
        return None
    owner = auth.get(("user", key.owner_id), lambda: get_user_model().objects.filter(pk=key.owner_id).first())
    if owner is None or not owner.is_active:
        return None
    return key, copy.copy(owner)


def key_names(ids: list[Any] | None) -> dict[Any, str]:
    """Each key's name and visible prefix by id (every key for None), as the usage dashboard shows them."""
    rows = ApiKey.objects.all() if ids is None else ApiKey.objects.filter(pk__in=ids)
    return {pk: f"{name} ({prefix}…)" for pk, name, prefix in rows.values_list("pk", "name", "prefix")}
