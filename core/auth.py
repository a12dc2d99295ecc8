"""Users' permissions from this process's cache (``core.cache.auth``), instead of two queries per request."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from .cache import auth


class CachedPermissionsBackend(ModelBackend):
    """Django's ``ModelBackend`` permissions, read once per process until a user, group or permission changes
    (``core.receivers``).

    It authenticates no one: logging in stays with ``ModelBackend`` (listed after it), so sessions keep naming
    that backend. Both read the permissions a request has already loaded (``user._perm_cache``), so a permission
    this backend denies costs ``ModelBackend`` nothing either.
    """

    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> None:
        return None

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):

            def load() -> frozenset[str]:
                return frozenset({*self.get_user_permissions(user_obj), *self.get_group_permissions(user_obj)})

            # A superuser's set is every permission: keyed apart, so that a change of the flag is a new entry.
            user_obj._perm_cache = set(auth.get(("permissions", user_obj.pk, user_obj.is_superuser), load))
        return user_obj._perm_cache
