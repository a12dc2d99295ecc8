"""The strict Content-Security-Policy and login throttling, as a user meets them in a real browser.

Every browser test fails on a CSP violation (see conftest.py); these open the pages the other tests do not.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from credentials.services import credential_save
from providers.models import Provider
from providers.services import catalog_load

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "browser-test-pw-1"


def submit_login(page, username: str, password: str) -> None:
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("input[type=submit]")


def log_in(page, url: str, username: str, password: str) -> None:
    page.goto(url)
    submit_login(page, username, password)


def test_every_admin_page_renders_under_the_policy(live_server, django_user_model, page, screenshot):
    catalog_load()
    openai = Provider.objects.get(slug="openai")
    credential = credential_save(provider=openai, name="team", values={"api_key": "sk-browser-test-000000"})
    request = RequestFactory().get("/admin/")
    request.user = django_user_model.objects.create_superuser(username="admin", password=PASSWORD)
    log_in(page, f"{live_server.url}/admin/login/", "admin", PASSWORD)
    assert page.url == f"{live_server.url}/admin/"

    urls = [reverse("admin:index"), reverse("admin:credentials_credential_change", args=[credential.pk])]
    for model, model_admin in admin.site._registry.items():
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls.append(reverse(f"{info}_changelist"))
        if model_admin.has_add_permission(request):
            urls.append(reverse(f"{info}_add"))
    assert "/admin/axes/accessattempt/" in urls
    for url in urls:
        response = page.goto(live_server.url + url)
        assert response is not None and response.status == 200, url
        assert "script-src 'self'" in response.headers["content-security-policy"], url
    page.goto(live_server.url + urls[1])
    assert page.locator(".object-tools .md-tool").inner_text().lower() == "test connection"
    screenshot("admin-credential-change")

    # The autocomplete widget (select2, on jQuery) builds its markup in the page.
    page.goto(f"{live_server.url}/admin/providers/providermodel/add/")
    page.click("#id_provider + .select2 .select2-selection")
    page.fill(".select2-search__field", "Open")
    page.wait_for_selector(".select2-results__option:not(.loading-results)")


def test_the_playground_pages_render_under_the_policy(live_server, django_user_model, page, screenshot):
    django_user_model.objects.create_superuser(username="admin", password=PASSWORD)
    django_user_model.objects.create_user(username="nobody", password=PASSWORD)
    log_in(page, f"{live_server.url}/accounts/login/?next=/playground/compare/", "admin", PASSWORD)
    assert page.url == f"{live_server.url}/playground/compare/"
    page.goto(f"{live_server.url}/playground/")
    page.click("#pg-output > summary")

    page.context.clear_cookies()
    log_in(page, f"{live_server.url}/accounts/login/?next=/playground/", "nobody", PASSWORD)
    assert "You do not have access to the playground." in page.inner_text("main")
    screenshot("playground-forbidden")


@pytest.mark.parametrize("login_url", ["/accounts/login/", "/admin/login/"])
def test_a_locked_out_user_sees_why_in_english_and_chinese(live_server, django_user_model, page, screenshot, login_url):
    django_user_model.objects.create_user(username="alice", password=PASSWORD, is_staff=True)
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in(page, live_server.url + login_url, "alice", f"wrong-{attempt}")
    log_in(page, live_server.url + login_url, "alice", PASSWORD)

    assert page.title() == "Too many failed logins | ModelDesk"
    text = page.inner_text("#content-main")
    assert "Logging in as alice from your address failed 5 times, so it is blocked for now." in text
    assert "Try again in 1 hour." in text
    name = "lockout" if login_url == "/accounts/login/" else "lockout-admin"
    screenshot(f"{name}-en")

    page.context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": live_server.url}])
    with page.expect_navigation():
        page.click("text=Back to the login page")
    submit_login(page, "alice", PASSWORD)
    assert page.title() == "登录失败次数过多 | ModelDesk"
    assert "请在 1 小时后再试" in page.inner_text("#content-main")
    screenshot(f"{name}-zh")
