"""Per-process caches of rows that change rarely, seen fresh in every process on the next request after a change.

The hot paths (a playground run, later the gateway) read the same few rows on every request: the enabled
providers, the credential, the model's rules, the user's permissions. Each namespace here keeps them in this
process's memory, never in a shared cache: a credential's decrypted secrets can be among them. A namespace's
entries are valid while its version counter (one ``core.models.CacheVersion`` row) is unchanged. Every change to
what it caches raises the counter in the same transaction (``Namespace.changed``, called from the models' save
and delete signals and from bulk updates), so every process, on any machine sharing the database, drops its copy
the next time it looks.

Looking costs one query, for every namespace at once, at most once per request (``scope``, which
``VersionScopeMiddleware`` opens around each request; background tasks open their own). Outside a scope each
look reads the counters again. ``ttl`` bounds how long an entry is kept even while nothing changes (decrypted
secrets: ``CACHE_SECRETS_SECONDS``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponseBase

T = TypeVar("T")
MAX_ENTRIES = 4096  # per namespace: past it (many typed model names), start over rather than grow

_local = threading.local()
_namespaces: dict[str, Namespace] = {}


class Namespace:
    """Entries that are dropped together when the namespace's version changes."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._entries: dict[Any, tuple[float, Any]] = {}
        self._version: int | None = None  # the version the entries belong to
        _namespaces[name] = self

    def get(self, key: Any, load: Callable[[], T], *, ttl: float | None = None, keep_none: bool = True) -> T:
        """The cached value of ``key``, else ``load()``'s, kept until the version changes (or ``ttl`` passes).
        ``keep_none=False`` keeps no None: keys a caller makes up (a cookie, an API key) cannot fill the cache."""
        if not settings.PROCESS_CACHES:
            return load()
        version = _current_versions().get(self.name, 0)
        if version != self._version:
            self._entries = {}
            self._version = version
        now = time.monotonic()
        found = self._entries.get(key)
        if found is not None and (ttl is None or now - found[0] < ttl):
            return found[1]
        value = load()
        if value is None and not keep_none:
            return value
        if self._version == version:  # not changed meanwhile, here or in another thread of this process
            if len(self._entries) >= MAX_ENTRIES:
                self._entries = {}
            self._entries[key] = (now, value)
        return value

    def changed(self) -> None:
        """What this namespace caches has changed: raise its version (in the current transaction, if any)."""
        from .models import CacheVersion

        with transaction.atomic():
            if not CacheVersion.objects.filter(name=self.name).update(version=F("version") + 1):
                try:
                    with transaction.atomic():
                        CacheVersion.objects.create(name=self.name, version=1)
                except IntegrityError:  # created by another process meanwhile
                    CacheVersion.objects.filter(name=self.name).update(version=F("version") + 1)
        self.clear()
        transaction.on_commit(self.clear)  # and again once others can see it, in case this process reloaded

    def clear(self) -> None:
        self._entries = {}
        self._version = None
        _local.versions = None  # read the counters again at the next look, in this thread


def _current_versions() -> dict[str, int]:
    """The counters, read once per scope (once per request), or at every look outside one."""
    scope = getattr(_local, "scope", None)
    versions: dict[str, int] | None = getattr(_local, "versions", None)
    if scope is not None and versions is not None and getattr(_local, "versions_scope", None) is scope:
        return versions
    versions = _read_versions()
    _local.versions, _local.versions_scope = versions, scope
    return versions


def _read_versions() -> dict[str, int]:
    """Every counter, in one statement written once: it runs on every request, and the ORM's compiling of
    ``values_list`` cost more than the query (profiled under ``bench/load.py``)."""
    from django.db import connections, router

    from .models import CacheVersion

    connection = connections[router.db_for_read(CacheVersion)]
    quote = connection.ops.quote_name
    table = quote(CacheVersion._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {quote('name')}, {quote('version')} FROM {table}")  # noqa: S608 -- names only
        return {str(name): int(version) for name, version in cursor.fetchall()}


@contextmanager
def scope() -> Iterator[None]:
    """Read the version counters at most once inside (a request, a task)."""
    outer = getattr(_local, "scope", None)
    _local.scope = object()
    try:
        yield
    finally:
        _local.scope = outer
        _local.versions = None


def clear_all() -> None:
    """Forget every namespace's entries in this process (tests, between cases)."""
    for namespace in _namespaces.values():
        namespace.clear()


class VersionScopeMiddleware:
    """Opens a ``scope`` around each request: one read of the cache versions per request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        with scope():
            return self.get_response(request)


# What is cached, by namespace: providers, credentials, models and defaults change together in the admin.
catalog = Namespace("catalog")
auth = Namespace("auth")  # users' permissions
