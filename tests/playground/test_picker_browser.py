"""The credential and model pickers in a real browser: search, keyboard, scrolling for more, then a run."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest

from credentials.models import Credential
from credentials.services import credential_save
from providers.models import Provider, ProviderModel
from providers.services import catalog_load
from tests.browser.conftest import CHROMIUM, LAUNCH_ARGS, REPORT_CSP_VIOLATIONS, _console, _missing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """The browser tests' Chromium, for this module only: Playwright's event loop must not outlive it (the
    playground's ASGI tests run their own)."""
    reason = _missing()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true requires the browser tests: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            launched = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
            yield launched
            launched.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def csp_violations() -> list[str]:
    """What the Content-Security-Policy blocked (each test asserts that nothing was)."""
    return []


@pytest.fixture
def page(browser: Any, csp_violations: list[str]) -> Iterator[Any]:
    """A page as the browser tests open one, reporting what the Content-Security-Policy blocked."""
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-US")
    context.expose_binding("__reportCspViolation", lambda _source, text: csp_violations.append(text))
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    opened = context.new_page()
    opened.on("console", lambda message: _console(message.text, csp_violations))
    opened.set_default_timeout(15_000)
    yield opened
    context.close()


@pytest.fixture
def many(fake_provider):
    """120 credentials on the fake provider and 120 provider-wide llm models: more than a picker's first page."""
    catalog_load()
    provider = Provider.objects.get(slug="openai_compatible")
    for i in range(120):
        values = {"base_url": fake_provider.url + "/v1", "api_key": f"sk-test-{i:012d}"}
        credential_save(provider=provider, name=f"cred-{i:04d}", values=values)
    ProviderModel.objects.bulk_create(
        ProviderModel(provider=provider, name=f"echo-{i:04d}", display_name=f"Echo {i}", model_type="llm")
        for i in range(120)
    )


def _log_in(live_server, django_user_model, page, path="/playground/"):
    django_user_model.objects.create_superuser(username="admin", password="browser-test-pw-1")
    page.goto(f"{live_server.url}/accounts/login/?next={path}")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "browser-test-pw-1")
    page.click("input[type=submit]")
    page.wait_for_url(f"**{path}")


def test_a_credential_and_a_model_past_the_first_page_are_found_by_keyboard_and_run(
    live_server, django_user_model, page, many, csp_violations
):
    _log_in(live_server, django_user_model, page)
    assert page.locator("#id_credential option").count() == 51  # "Choose a credential" and the first 50
    search = page.locator("[data-field=credential] [data-picker-search]")
    search.click()
    search.type("CRED-011")
    page.wait_for_selector("#id_credential-results [role=option]:has-text('cred-0119')")
    search.press("ArrowDown")
    search.press("ArrowDown")
    assert search.get_attribute("aria-activedescendant") == "id_credential-results-1"
    search.press("Enter")
    chosen = Credential.objects.get(name="cred-0111")
    assert page.input_value("#id_credential") == str(chosen.pk)
    assert page.evaluate("document.activeElement.id") == "id_credential"

    models = page.locator("[data-field=model] [data-picker-search]")
    page.wait_for_function("() => !document.querySelector('#id_model').hasAttribute('aria-busy')")
    models.click()
    models.type("echo 115")  # the display name
    page.wait_for_selector("#id_model-results [role=option]:has-text('echo-0115')")
    models.press("Enter")  # the first match
    assert page.input_value("#id_model") == "echo-0115"
    assert page.get_attribute("#pg-form", "data-state") != "streaming"  # Enter never sent the form

    page.fill("#id_message", "hello")
    page.click("#pg-send")
    page.wait_for_selector('#pg-form[data-state="done"], #pg-form[data-state="error"]')
    output = json.loads(page.text_content("#pg-json"))
    assert output[0]["model"] == "echo-0115" and output[0]["content"] == "Echo: hello"
    assert not csp_violations


def test_scrolling_the_list_loads_the_next_page_and_escape_closes_it(
    live_server, django_user_model, page, many, csp_violations
):
    _log_in(live_server, django_user_model, page)
    search = page.locator("[data-field=credential] [data-picker-search]")
    search.click()  # the empty box lists the select's own first page
    options = page.locator("#id_credential-results [role=option]")
    assert options.count() == 50
    page.eval_on_selector("#id_credential-results", "list => list.scrollTo(0, list.scrollHeight)")
    page.wait_for_function("() => document.querySelectorAll('#id_credential-results [role=option]').length === 100")
    search.press("Escape")
    assert page.get_attribute("[data-field=credential] [data-picker-search]", "aria-expanded") == "false"
    assert page.locator("[data-field=credential] [data-picker-popup]").is_hidden()
    search.type("no such credential")
    page.wait_for_selector("[data-field=credential] [data-picker-status]:has-text('Nothing matches')")
    assert not csp_violations


def test_a_compare_slot_finds_its_credential_and_suggests_its_models(
    live_server, django_user_model, page, many, csp_violations
):
    _log_in(live_server, django_user_model, page, "/playground/compare/")
    search = page.locator("[data-slot='2'] [data-picker-search]")
    search.click()
    search.type("cred-0099")
    page.wait_for_selector("#id_credential_2-results [role=option]:has-text('cred-0099')")
    search.press("Enter")
    assert page.input_value("#id_credential_2") == str(Credential.objects.get(name="cred-0099").pk)
    page.click("#id_model_2")
    page.type("#id_model_2", "0117")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#pg-compare-models-2 option')].map((o) => o.value).join() === 'echo-0117'"
    )
    assert page.get_attribute("#id_model_2", "list") == "pg-compare-models-2"
    assert not csp_violations
