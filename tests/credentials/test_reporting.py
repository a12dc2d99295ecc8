"""Secrets stay out of Django's error reports."""

from __future__ import annotations

import pytest
from django.views.debug import ExceptionReporter

from credentials import crypto


def test_error_report_hides_posted_secrets_and_plaintext_locals(rf, canary, monkeypatch):
    request = rf.post(
        "/admin/credentials/credential/add/",
        {"name": "visible-name", "cred_api_key": canary, "openai_token": canary},
    )

    def explode(*args, **kwargs):
        raise RuntimeError("cipher failure")

    monkeypatch.setattr(crypto.os, "urandom", explode)
    with pytest.raises(RuntimeError) as info:
        crypto.encrypt(canary, binding="b")
    # Start the report at encrypt(): this test's own frame holds the canary as a local, as no real caller would.
    tb = info.value.__traceback__.tb_next
    report = ExceptionReporter(request, RuntimeError, info.value, tb).get_traceback_html()
    assert "encrypt" in report
    assert "visible-name" in report
    assert "cipher failure" in report
    assert canary not in report


def test_secret_is_not_rendered_back_after_a_form_error(admin_client, provider, canary):
    openai = provider("openai")
    response = admin_client.post(
        f"/admin/credentials/credential/add/?provider={openai.pk}",
        {"name": "x", "provider": openai.pk, "cred_api_key": canary, "cred_base_url": "ftp://nope"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "http:// or https://" in html
    assert canary not in html
