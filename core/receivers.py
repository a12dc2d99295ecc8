"""Changes to users, groups, permissions and sessions raise the ``auth`` cache's version (``core.cache``); a
process's first SQLite connection puts the database file in WAL mode."""

from __future__ import annotations

import sqlite3
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.sessions.models import Session
from django.db.backends.signals import connection_created
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

from .cache import auth


def auth_changed(sender: Any, **kwargs: Any) -> None:
    if kwargs.get("raw"):  # loading fixtures
        return
    if "action" in kwargs and not str(kwargs["action"]).startswith("post_"):
        return  # m2m_changed: once, after the change
    auth.changed()


def session_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A session saved or deleted (``core.sessions`` caches its user). Deleting an expired one changes nothing
    a cache holds (its expiry refuses it already): ``clearsessions`` raises no version."""
    if kwargs.get("raw") or (kwargs.get("created") is None and instance.expire_date <= timezone.now()):
        return
    auth.changed()


# The SQLite files this process has put in WAL mode, each with one idle connection held open for the process's life.
_in_wal: dict[str, sqlite3.Connection] = {}


def sqlite_wal(sender: Any, connection: Any, **kwargs: Any) -> None:
    """WAL lets readers work while one connection writes. The mode belongs to the file, so it is set once.

    A request's connection closes when it ends (CONN_MAX_AGE=0); when the last connection to a WAL database
    closes, SQLite checkpoints and removes the WAL, and a connection opened meanwhile waits for that in its busy
    handler (a millisecond or more of sleep, before each request's first query). The idle connection kept here
    holds no lock and keeps the WAL in place between requests.
    """
    name = str(connection.settings_dict.get("NAME"))
    if connection.vendor != "sqlite" or name in _in_wal or connection.is_in_memory_db():
        return
    connection.connection.execute("PRAGMA journal_mode=WAL")  # the raw connection: it is being set up
    keeper = sqlite3.connect(name, check_same_thread=False)
    keeper.execute("SELECT count(*) FROM sqlite_master").fetchall()  # a read: it then holds the file's shared lock
    _in_wal[name] = keeper


def connect() -> None:
    connection_created.connect(sqlite_wal, dispatch_uid="core.sqlite_wal")
    user = get_user_model()
    for model in (user, Group, Permission):
        for signal in (post_save, post_delete):
            signal.connect(auth_changed, sender=model, dispatch_uid=f"core.auth_changed.{model.__name__}.{signal}")
    for signal in (post_save, post_delete):
        signal.connect(session_changed, sender=Session, dispatch_uid=f"core.session_changed.{signal}")
    for through in (user.groups.through, user.user_permissions.through, Group.permissions.through):
        m2m_changed.connect(auth_changed, sender=through, dispatch_uid=f"core.auth_changed.{through.__name__}")
