"""The user of a request's session, from this process's cache (``core.cache.auth``) instead of two queries.

A fast path (``playground.fast``) finds the logged-in user as ``AuthenticationMiddleware`` does: the session row,
then the user, with the session's auth hash checked against the user's password. Here the outcome, the user with
the session's expiry, is kept per session key in the ``auth`` namespace, which every change of a user, group or
permission already raises, and so does every save or deletion of a session (``core.receivers``): a logout, a
login, a password change or a deactivated user is seen by every process on its next request. An expired session
is refused by its stored expiry without a query. Each request gets its own copy of the user.

Only Django's database sessions are cached (the default ``SESSION_ENGINE``): another engine's changes send no
signal, so with one the middleware's way is taken, uncached.
"""

from __future__ import annotations

import copy
from datetime import datetime
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.models import Session
from django.http import HttpRequest
from django.utils import timezone

from .cache import auth

DATABASE_SESSIONS = "django.contrib.sessions.backends.db"


def session_user(request: HttpRequest) -> Any:
    """Set ``request.session`` and return the request's user (``AnonymousUser`` when there is none)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    request.session = store(key)
    if settings.SESSION_ENGINE != DATABASE_SESSIONS or not key:
        return get_user(request)
    found = auth.get(("session-user", key), lambda: _load(request, store, key), keep_none=False)
    if found is None or found[0] <= timezone.now():
        return AnonymousUser()
    return copy.copy(found[1])  # a request's attributes (its permissions' cache) stay with that request


def _load(request: HttpRequest, store: Any, key: str) -> tuple[datetime, Any] | None:
    """The live session's expiry and its user; None without one (not kept: a made-up cookie)."""
    row = Session.objects.filter(session_key=key, expire_date__gt=timezone.now()).values_list(
        "session_data", "expire_date"
    )
    found = row.first()
    if found is None:
        return None
    data, expires = found
    session = store(key)
    session._session_cache = session.decode(data)  # loaded: ``get_user`` reads it without a query
    request.session = session
    user = get_user(request)
    return (expires, user) if user.is_authenticated else None
