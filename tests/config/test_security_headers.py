"""Security headers and login throttling: a strict Content-Security-Policy everywhere, and django-axes."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_DIRS = [ROOT / "templates", *sorted(ROOT.glob("*/templates"))]
PASSWORD = "the-right-password-1"


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}


@pytest.fixture
def playground_credential(make_credential):
    return make_credential("csp-check", "openai", api_key="sk-test-csp-000000")


@pytest.mark.parametrize(
    "url",
    [
        "/admin/login/",
        "/admin/credentials/credential/",
        "/admin/providers/provider/",
        "/playground/",
        "/accounts/login/",
        "/playground/api/models/?credential={credential}",
    ],
)
def test_every_page_sends_the_strict_policy(url, admin_client, playground_credential):
    client = admin_client if "login" not in url else Client()
    response = client.get(url.format(credential=playground_credential.pk))
    assert response.status_code == 200
    policy = directives(response)
    assert policy == {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "object-src": ["'none'"],
    }
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]


def _templates() -> list[Path]:
    found = [path for directory in TEMPLATE_DIRS for path in directory.rglob("*.html")]
    assert len(found) >= 7, TEMPLATE_DIRS
    return found


TAG = re.compile(r"<[a-zA-Z][^>]*>", re.DOTALL)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.DOTALL | re.IGNORECASE)


@pytest.mark.parametrize("template", _templates(), ids=lambda path: str(path.relative_to(ROOT)))
def test_no_template_has_inline_script_handlers_or_styles(template):
    """The policy blocks them: inline event handlers, javascript: URLs, inline <script> code and inline styles."""
    source = template.read_text()
    for tag in TAG.findall(source):
        assert not HANDLER.search(tag), f"inline event handler in {tag!r}"
        assert "javascript:" not in tag.lower(), f"javascript: URL in {tag!r}"
        assert not re.search(r"\sstyle\s*=", tag, re.IGNORECASE), f"inline style in {tag!r}"
    assert "<style" not in source.lower()
    for attributes, body in SCRIPT.findall(source):
        # JSON data blocks are never executed, so the policy allows them; any other script must be a file.
        is_data = 'type="application/json"' in attributes
        assert is_data or ("src=" in attributes and not body.strip()), f"inline script in {template.name}"


# --- Login throttling ------------------------------------------------------------------------------------------

LOGIN_PAGES = ["/accounts/login/", "/admin/login/"]


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user(username="alice", password=PASSWORD, is_staff=True)


def _log_in(client: Client, url: str, password: str, **extra: str):
    return client.post(url, {"username": "alice", "password": password}, **extra)


def _lock_out(client: Client, url: str) -> None:
    for attempt in range(1, settings.AXES_FAILURE_LIMIT + 1):
        response = _log_in(client, url, f"wrong-{attempt}")
        expected = 429 if attempt == settings.AXES_FAILURE_LIMIT else 200
        assert response.status_code == expected, attempt


@pytest.mark.parametrize("url", LOGIN_PAGES)
def test_wrong_passwords_lock_out_even_the_right_one(url, staff):
    client = Client()
    assert settings.AXES_FAILURE_LIMIT == 5
    _lock_out(client, url)
    response = _log_in(client, url, PASSWORD)
    assert response.status_code == 429
    assert "registration/lockout.html" in [t.name for t in response.templates]
    assert "_auth_user_id" not in client.session
    html = response.content.decode()
    assert "Too many failed logins" in html
    assert "Logging in as <strong>alice</strong> from your address failed 5 times" in html
    assert "Try again in 1 hour." in html
    assert directives(response)["script-src"] == ["'self'"]


def test_the_lockout_page_speaks_chinese(staff):
    client = Client(headers={"accept-language": "zh-hans"})
    _lock_out(client, "/accounts/login/")
    html = _log_in(client, "/accounts/login/", PASSWORD).content.decode()
    assert '<html lang="zh-hans"' in html
    assert "登录失败次数过多" in html
    assert "请在 1 小时后再试" in html


def test_the_lockout_counts_the_username_from_one_address(staff, django_user_model):
    """Another address, or another user from the same address, can still log in; a forged header changes nothing."""
    django_user_model.objects.create_user(username="bob", password=PASSWORD)
    _lock_out(Client(), "/accounts/login/")
    forged = _log_in(Client(), "/accounts/login/", PASSWORD, HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert forged.status_code == 429
    elsewhere = _log_in(Client(), "/accounts/login/", PASSWORD, REMOTE_ADDR="10.0.0.2")
    assert elsewhere.status_code == 302
    bob = Client().post("/accounts/login/", {"username": "bob", "password": PASSWORD})
    assert bob.status_code == 302


def test_a_successful_login_clears_the_failures(staff):
    client = Client()
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _log_in(client, "/accounts/login/", f"wrong-{attempt}").status_code == 200
    assert _log_in(client, "/accounts/login/", PASSWORD).status_code == 302
    client.logout()
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _log_in(client, "/accounts/login/", f"wrong-again-{attempt}").status_code == 200
    assert _log_in(client, "/accounts/login/", PASSWORD).status_code == 302


@pytest.mark.parametrize("command", [("axes_reset",), ("axes_reset_username", "alice"), ("axes_reset_ip", "127.0.0.1")])
def test_the_reset_commands_unlock(command, staff):
    client = Client()
    _lock_out(client, "/admin/login/")
    call_command(*command, stdout=io.StringIO())
    response = _log_in(client, "/admin/login/", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(staff.pk)
