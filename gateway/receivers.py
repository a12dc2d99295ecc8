"""A saved or deleted key raises the ``gateway`` cache's version (``core.cache``): a revocation is seen by every
process on its next request."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from .keys import keys
from .models import ApiKey


def key_changed(sender: Any, **kwargs: Any) -> None:
    if not kwargs.get("raw"):
        keys.changed()


def connect() -> None:
    for signal in (post_save, post_delete):
        signal.connect(key_changed, sender=ApiKey, dispatch_uid=f"gateway.key_changed.{signal}")
