"""A change to a grant, a quota or a user's groups raises the ``access`` cache's version (``core.cache``)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, post_delete, post_save

from credentials.models import Credential

from .models import Grant, Quota
from .selectors import policies


def access_changed(sender: Any, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    if "action" in kwargs and not str(kwargs["action"]).startswith("post_"):
        return
    policies.changed()


def connect() -> None:
    user = get_user_model()
    for model in (Grant, Quota, Group, user, Credential):  # a credential's name is in quota messages
        for signal in (post_save, post_delete):
            signal.connect(access_changed, sender=model, dispatch_uid=f"access.changed.{model.__name__}.{signal}")
    for through in (Grant.only_models.through, Quota.only_models.through, user.groups.through):
        m2m_changed.connect(access_changed, sender=through, dispatch_uid=f"access.changed.{through.__name__}")
