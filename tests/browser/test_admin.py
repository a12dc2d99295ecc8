"""An admin configures a provider credential in a real browser."""

from __future__ import annotations

import pytest

from credentials.models import Credential
from credentials.services import credential_secret_values
from providers.services import catalog_load

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def admin_login(live_server, django_user_model, page):
    catalog_load()
    django_user_model.objects.create_superuser(username="admin", password="browser-test-pw-1")
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "browser-test-pw-1")
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    return live_server.url


def test_admin_creates_a_credential_and_never_sees_the_secret_again(admin_login, page, canary, screenshot):
    base = admin_login
    page.goto(f"{base}/admin/credentials/credential/add/")
    page.fill("#id_name", "local-fake")
    # Choosing a provider reloads the form with that provider's fields and keeps the typed name.
    with page.expect_navigation():
        page.select_option("#id_provider", label="OpenAI-compatible")
    assert page.input_value("#id_name") == "local-fake"
    page.fill("#id_cred_api_key", canary)
    page.fill("#id_cred_base_url", "http://127.0.0.1:9911/v1")
    screenshot("admin-credential-add")
    page.click("input[name=_continue]")

    page.wait_for_selector(".messagelist .success")
    html = page.content()
    assert canary not in html
    assert page.input_value("#id_cred_api_key") == ""
    assert "••••" + canary[-4:] in html
    credential = Credential.objects.select_related("provider").get(name="local-fake")
    assert credential_secret_values(credential) == {"api_key": canary}

    page.goto(f"{base}/admin/credentials/credential/")
    assert canary not in page.content()
    assert page.locator(".md-status-unchecked").count() == 1
    screenshot("admin-credentials")


def test_admin_switches_to_simplified_chinese(admin_login, page, screenshot):
    page.goto(f"{admin_login}/admin/providers/provider/")
    with page.expect_navigation():
        page.select_option("#md-language select", "zh-hans")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    html = page.content()
    assert "通义千问" in html  # provider names come from the catalog in both languages
    assert "模型供应商与模型" in html  # our own strings are translated (the app's name in the breadcrumbs)
    screenshot("admin-providers-zh")


def test_the_language_switch_works_without_an_inline_handler(admin_login, page):
    """The policy blocks inline handlers: the switch submits from a static script, to 简体中文 and back."""
    page.goto(f"{admin_login}/admin/")
    select = page.locator("#md-language select")
    assert select.get_attribute("onchange") is None
    with page.expect_navigation():
        select.select_option(label="简体中文")
    assert page.url == f"{admin_login}/admin/"
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("#md-language select option:checked").inner_text() == "简体中文"
    with page.expect_navigation():
        page.locator("#md-language select").select_option("en")
    assert page.locator("html").get_attribute("lang") == "en"
