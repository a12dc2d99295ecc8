"""Changes to users, groups and permissions raise the ``auth`` cache's version (``core.cache``)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db.models.signals import m2m_changed, post_delete, post_save

from .cache import auth


def auth_changed(sender: Any, **kwargs: Any) -> None:
    if kwargs.get("raw"):  # loading fixtures
        return
    if "action" in kwargs and not str(kwargs["action"]).startswith("post_"):
        return  # m2m_changed: once, after the change
    auth.changed()


def connect() -> None:
    user = get_user_model()
    for model in (user, Group, Permission):
        for signal in (post_save, post_delete):
            signal.connect(auth_changed, sender=model, dispatch_uid=f"core.auth_changed.{model.__name__}.{signal}")
    for through in (user.groups.through, user.user_permissions.through, Group.permissions.through):  # type: ignore[attr-defined]
        m2m_changed.connect(auth_changed, sender=through, dispatch_uid=f"core.auth_changed.{through.__name__}")
