"""The shared trial in a browser (issue 13): a user makes N calls on the trial credential, call N+1 is refused
with the message that points to a provider of their own, and the admin sees the user's use."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from access.models import Metric, Quota, Window

from .test_playground import chat

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHARE_NEW_CREDENTIALS = False  # the trial is the only way in


def log_in(page, base: str, username: str, password: str, next_url: str) -> None:
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url(f"**{next_url}")


def test_a_trial_user_makes_n_calls_then_is_told_where_to_add_a_provider(
    live_server, django_user_model, page, point_at, screenshot
):
    credential = point_at("openai_compatible", name="hosted-trial")
    Quota.objects.create(credential=credential, trial=True, metric=Metric.CALLS, window=Window.TOTAL, limit=2)
    user = django_user_model.objects.create_user(username="newcomer", password="browser-test-pw-2")
    user.user_permissions.add(Permission.objects.get(codename="use_playground"))
    base = live_server.url

    log_in(page, base, "newcomer", "browser-test-pw-2", "/playground/")
    assert page.input_value("#id_credential") == str(credential.pk)  # the trial is offered, and preselected
    page.fill("#id_model_name", "echo-1")
    assert chat(page, "first")[0]["content"] == "Echo: first"
    second = chat(page, "second")
    assert second[0]["warnings"] == ["Used 2 of 2 calls (100%); it does not reset."]
    badge = page.locator('#pg-transcript .pg-msg-assistant [data-badge="quota"]').last
    assert badge.is_visible() and "Used 2 of 2 calls" in badge.inner_text()

    page.fill("#id_message", "third")
    page.click("#pg-send")
    page.wait_for_selector('#pg-form[data-state="error"]')
    error = page.inner_text("#pg-error")
    assert "Your trial of 2 calls on “hosted-trial” is used up (2)." in error
    assert "/admin/credentials/credential/add/" in error
    assert page.input_value("#id_message") == "third"  # nothing typed is lost
    screenshot("trial-used-up")

    page.context.clear_cookies()
    django_user_model.objects.create_superuser(username="admin", password="browser-test-pw-1")
    log_in(page, base, "admin", "browser-test-pw-1", "/admin/access/quotacounter/")
    rows = page.inner_text("#result_list")
    assert "newcomer" in rows and "2 / 2 calls" in rows
    screenshot("trial-usage-admin")
