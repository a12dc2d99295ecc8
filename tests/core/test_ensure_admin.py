"""ensure_admin: the admin login that make run creates, once."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_ensure_admin_generates_a_password_once(monkeypatch):
    monkeypatch.delenv("DJANGO_SUPERUSER_USERNAME", raising=False)
    monkeypatch.delenv("DJANGO_SUPERUSER_PASSWORD", raising=False)
    out = run("ensure_admin")
    password = out.split("password: ")[1].split()[0]
    user = get_user_model().objects.get(username="admin")
    assert user.is_superuser and user.check_password(password)
    assert "already exists" in run("ensure_admin")
    user.refresh_from_db()
    assert user.check_password(password)


@pytest.mark.django_db
def test_ensure_admin_uses_the_environment_and_never_changes_an_existing_user(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "ops")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "first-password-123")
    out = run("ensure_admin")
    assert "first-password-123" not in out
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "second-password-456")
    run("ensure_admin")
    assert get_user_model().objects.get(username="ops").check_password("first-password-123")


@pytest.mark.django_db
def test_ensure_admin_without_a_password_is_an_error(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "ops")
    monkeypatch.delenv("DJANGO_SUPERUSER_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="DJANGO_SUPERUSER_PASSWORD"):
        call_command("ensure_admin", stdout=StringIO())
