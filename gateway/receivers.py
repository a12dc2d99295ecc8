"""A saved or deleted key, route, deployment or credential raises the ``gateway`` cache's version
(``core.cache``): a revocation or a change to a route or to what serves it is seen by every process on its next
request."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from credentials.models import Credential

from .keys import keys
from .models import ApiKey, Deployment, Route


def gateway_changed(sender: Any, **kwargs: Any) -> None:
    if not kwargs.get("raw"):
        keys.changed()


def connect() -> None:
    # A credential's name or state is part of each route's view of its deployments (``routes._load``).
    for model in (ApiKey, Route, Deployment, Credential):
        for signal in (post_save, post_delete):
            uid = f"gateway.changed.{model.__name__}.{signal}"
            signal.connect(gateway_changed, sender=model, dispatch_uid=uid)
