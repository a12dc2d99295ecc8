"""The session's user from the process cache (``core.sessions``): as ``AuthenticationMiddleware`` finds it, and
every change that logs a user out, seen on the next request."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.sessions import session_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(django_user_model):
    user = django_user_model.objects.create_user(username="sam", password="pw-sam-12345")
    client = Client()
    client.force_login(user)
    return user, client.cookies["sessionid"].value


def user_of(key: str | None):
    request = RequestFactory().post("/")
    if key is not None:
        request.COOKIES["sessionid"] = key
    return session_user(request)


def test_the_sessions_user_is_found_then_read_from_memory(logged_in):
    user, key = logged_in
    assert user_of(key).pk == user.pk
    with CaptureQueriesContext(connection) as queries:
        again = user_of(key)
    assert again.pk == user.pk
    assert not [q for q in queries.captured_queries if "django_session" in q["sql"] or "auth_user" in q["sql"]]


def test_each_request_gets_its_own_copy(logged_in):
    _user, key = logged_in
    first = user_of(key)
    first._perm_cache = {"x.y"}
    assert not hasattr(user_of(key), "_perm_cache")


def test_no_cookie_or_an_unknown_session_is_anonymous(logged_in):
    assert not user_of(None).is_authenticated
    assert not user_of("no-such-session-key").is_authenticated


def test_a_logout_is_seen_on_the_next_request(logged_in):
    _user, key = logged_in
    assert user_of(key).is_authenticated
    Session.objects.filter(session_key=key).delete()  # what a logout in another process does
    assert not user_of(key).is_authenticated


def test_a_password_change_or_deactivation_logs_the_session_out(logged_in):
    user, key = logged_in
    assert user_of(key).is_authenticated
    user.set_password("pw-new-67890")
    user.save()
    assert not user_of(key).is_authenticated
    user.is_active = False
    user.save()
    assert not user_of(key).is_authenticated


def test_an_expired_session_is_refused_without_asking_the_database(logged_in):
    _user, key = logged_in
    assert user_of(key).is_authenticated
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))  # no signal
    assert user_of(key).is_authenticated  # cached: the expiry it has is the one read
    session = Session.objects.get(session_key=key)
    session.expire_date = timezone.now() - timedelta(seconds=1)
    session.save()
    assert not user_of(key).is_authenticated


def test_clearing_expired_sessions_raises_no_version(logged_in):
    """``clearsessions`` deletes expired rows one signal each: none of them touches what a cache holds."""
    from core.models import CacheVersion

    _user, key = logged_in
    Session.objects.create(session_key="old" * 10, session_data="", expire_date=timezone.now() - timedelta(days=1))
    before = CacheVersion.objects.get(name="auth").version
    assert Session.objects.filter(expire_date__lt=timezone.now()).delete()[0] == 1
    assert CacheVersion.objects.get(name="auth").version == before
    assert user_of(key).is_authenticated


def test_made_up_session_keys_are_not_kept(logged_in):
    from core.cache import auth

    _user, key = logged_in
    user_of(key)
    for i in range(20):
        assert not user_of(f"made-up-{i}").is_authenticated
    assert [k for k in auth._entries if k[0] == "session-user"] == [("session-user", key)]
