"""``core.cache``: per-process caches that every process drops when a version counter in the database moves."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.db.models import F

from core.cache import Namespace, scope
from core.models import CacheVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def space() -> Namespace:
    return Namespace("test-space")


def loader(values: list[int]):
    def load() -> int:
        values.append(len(values))
        return values[-1]

    return load


def test_a_value_is_loaded_once_and_the_versions_read_once_per_scope(space, django_assert_num_queries):
    loads: list[int] = []
    assert space.get("k", loader(loads)) == 0
    with scope(), django_assert_num_queries(1):
        assert [space.get("k", loader(loads)) for _ in range(5)] == [0] * 5
    with django_assert_num_queries(2):  # outside a scope each look reads the versions
        space.get("k", loader(loads))
        space.get("k", loader(loads))
    assert loads == [0]


def test_a_change_made_by_another_process_is_seen_at_the_next_scope(space):
    loads: list[int] = []
    with scope():
        assert space.get("k", loader(loads)) == 0
    CacheVersion.objects.update_or_create(name="test-space", defaults={"version": 41})  # another process saves
    CacheVersion.objects.filter(name="test-space").update(version=F("version") + 1)
    with scope():
        assert space.get("k", loader(loads)) == 1
        assert space.get("k", loader(loads)) == 1


def test_changed_raises_the_version_for_everyone(space):
    space.changed()
    space.changed()
    assert CacheVersion.objects.get(name="test-space").version == 2
    loads: list[int] = []
    space.get("k", loader(loads))
    space.changed()
    assert space.get("k", loader(loads)) == 1


def test_an_entry_with_a_ttl_is_loaded_again_once_it_expires(space, monkeypatch):
    import core.cache

    now = [1000.0]
    monkeypatch.setattr(core.cache.time, "monotonic", lambda: now[0])
    loads: list[int] = []
    assert space.get("k", loader(loads), ttl=60) == 0
    now[0] += 59
    assert space.get("k", loader(loads), ttl=60) == 0
    now[0] += 2
    assert space.get("k", loader(loads), ttl=60) == 1


def test_process_caches_off_loads_every_time(space, settings):
    settings.PROCESS_CACHES = False
    loads: list[int] = []
    assert [space.get("k", loader(loads)) for _ in range(3)] == [0, 1, 2]


def test_permissions_granted_or_taken_are_seen_on_the_next_request(django_user_model):
    """The playground's permission check reads the cache; a grant, a group's change or a removal moves it."""
    user = django_user_model.objects.create_user("perm-user", password="x-123456789")
    permission = Permission.objects.get(codename="use_playground")

    def can() -> bool:
        with scope():
            return django_user_model.objects.get(pk=user.pk).has_perm("playground.use_playground")

    assert not can()
    user.user_permissions.add(permission)
    assert can()
    user.user_permissions.remove(permission)
    assert not can()
    group = Group.objects.create(name="players")
    user.groups.add(group)
    assert not can()
    group.permissions.add(permission)
    assert can()
    group.permissions.clear()
    assert not can()


def test_a_cached_permission_check_costs_no_query(django_user_model, django_assert_num_queries):
    user = django_user_model.objects.create_user("perm-user2", password="x-123456789")
    user.user_permissions.add(Permission.objects.get(codename="use_playground"))
    django_user_model.objects.get(pk=user.pk).has_perm("playground.use_playground")
    fresh = django_user_model.objects.get(pk=user.pk)
    with scope(), django_assert_num_queries(1):  # the versions only
        assert fresh.has_perm("playground.use_playground")
        assert not fresh.has_perm("playground.add_conversation")


def test_keep_none_false_keeps_no_miss(space):
    """A made-up key (a cookie, an API key) found nothing: with ``keep_none=False`` nothing is kept for it."""
    loads: list[str] = []

    def load(key: str) -> str | None:
        loads.append(key)
        return None if key.startswith("made-up") else key.upper()

    with scope():
        assert space.get("made-up-1", lambda: load("made-up-1"), keep_none=False) is None
        assert space.get("made-up-1", lambda: load("made-up-1"), keep_none=False) is None
        assert space.get("real", lambda: load("real"), keep_none=False) == "REAL"
        assert space.get("real", lambda: load("real"), keep_none=False) == "REAL"
        assert space.get("kept-miss", lambda: None) is None and space.get("kept-miss", lambda: "later") is None
    assert loads == ["made-up-1", "made-up-1", "real"]
    assert list(space._entries) == ["real", "kept-miss"]
