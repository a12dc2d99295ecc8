"""The connection test makes the request a real call makes, so it neither passes a credential that cannot chat
nor fails one that can."""

from __future__ import annotations

import re

import pytest

from calls import services
from calls.models import CallLog
from credentials.models import Credential
from providers.models import Provider, ProviderModel


def test_a_missing_azure_deployment_fails_the_test(point_at, fake_provider):
    """Listing the resource's models succeeded, then every chat failed with 404; now the test itself fails."""
    credential = point_at("azure_openai", "", api_version="2024-10-21", deployment="missing-deployment")
    check = services.credential_test(credential=credential)
    assert not check.ok and check.error_type == "model_not_found"
    assert "DeploymentNotFound" in check.error or "deployment" in check.error.lower()
    assert any("/openai/deployments/missing-deployment/chat/completions" in r.path for r in fake_provider.requests)


def test_a_server_without_a_model_list_passes_when_it_chats(point_at, fake_provider):
    """Many self-hosted OpenAI-compatible servers have no /models; chat works, so the test passes."""
    credential = point_at("openai_compatible")
    ProviderModel.objects.create(provider=credential.provider, name="echo-1", model_type="llm", origin="custom")
    fake_provider.missing_paths = {"/models"}
    check = services.credential_test(credential=credential)
    assert check.ok, check.error
    assert re.fullmatch(r"chat echo-1, 1 token, \d+ ms", check.tried)
    assert Credential.objects.get(pk=credential.pk).last_check_tried == check.tried
    paths = [request.path for request in fake_provider.requests]
    assert paths == ["/v1/chat/completions"]
    row = CallLog.objects.get()
    assert (row.operation, row.model, row.status) == ("test_credential", "echo-1", "ok")


def test_the_default_model_of_the_credential_is_the_one_tested(point_at, fake_provider):
    credential = point_at("openai_compatible")
    first = ProviderModel.objects.create(provider=credential.provider, name="echo-1", model_type="llm")
    chosen = ProviderModel.objects.create(provider=credential.provider, name="echo-2", model_type="llm")
    services.default_model_set(model=chosen, credential=credential)
    check = services.credential_test(credential=credential)
    assert check.tried.startswith("chat echo-2, 1 token, ") and first.name not in check.tried


def test_without_any_model_the_test_falls_back_to_the_model_list_and_says_so(point_at):
    check = services.credential_test(credential=point_at("openai_compatible"))
    assert check.ok and check.tried.startswith("model list (no model to test with yet), ")


def test_check_credentials_shows_what_was_tried(point_at, capsys):
    from io import StringIO

    from django.core.management import call_command

    credential = point_at("openai_compatible", name="fake")
    ProviderModel.objects.create(provider=credential.provider, name="echo-1", model_type="llm")
    out = StringIO()
    call_command("check_credentials", stdout=out)
    assert "chat echo-1, 1 token" in out.getvalue()


def test_another_servers_model_is_not_used_to_test_this_one(point_at, fake_provider):
    """Models discovered on one OpenAI-compatible server belong to it; a second server is tested on its own."""
    first = point_at("openai_compatible", name="server-a")
    second = point_at("openai_compatible", name="server-b")
    ProviderModel.objects.create(
        provider=first.provider, credential=first, name="echo-only-on-a", model_type="llm", origin="discovered"
    )
    ProviderModel.objects.create(
        provider=second.provider, credential=second, name="echo-on-b", model_type="llm", origin="discovered"
    )
    check = services.credential_test(credential=second)
    assert check.ok and check.tried.startswith("chat echo-on-b, 1 token")


def _admin_add(client, provider, base_url, canary, name):
    data = {"name": name, "provider": str(provider.pk), "enabled": "on", "cred_base_url": base_url}
    data["cred_api_key"] = canary
    return client.post(f"/admin/credentials/credential/add/?provider={provider.pk}", data, follow=True)


@pytest.mark.django_db(transaction=True)
def test_saving_in_the_admin_shows_a_failed_test_as_a_warning(client, settings, canary, fake_provider):
    """The test runs once the save commits; the page shows its result beside "added successfully"."""
    from django.contrib.auth import get_user_model

    from providers.services import catalog_load

    catalog_load()
    settings.CREDENTIAL_TEST_ON_SAVE = True
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "pw"))
    provider = Provider.objects.get(slug="openai_compatible")
    ProviderModel.objects.create(provider=provider, name="echo-fault-401", model_type="llm", origin="custom")
    response = _admin_add(client, provider, fake_provider.url + "/v1", canary, "bad-key")
    shown = [(m.level_tag, str(m)) for m in response.context["messages"]]
    assert any(tag == "success" for tag, _text in shown)  # Django's own "added successfully"
    warnings = [text for tag, text in shown if tag == "warning"]
    assert len(warnings) == 1 and "connection test failed" in warnings[0] and "bad-key" in warnings[0]
    assert canary not in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_saving_in_the_admin_shows_what_a_passing_test_tried(client, settings, canary, fake_provider):
    from django.contrib.auth import get_user_model

    from providers.services import catalog_load

    catalog_load()
    settings.CREDENTIAL_TEST_ON_SAVE = True
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "pw"))
    provider = Provider.objects.get(slug="openai_compatible")
    ProviderModel.objects.create(provider=provider, name="echo-1", model_type="llm", origin="custom")
    response = _admin_add(client, provider, fake_provider.url + "/v1", canary, "good-key")
    passed = [str(m) for m in response.context["messages"] if m.level_tag == "success" and "test passed" in str(m)]
    assert len(passed) == 1 and "chat echo-1, 1 token" in passed[0]
    assert (
        "chat echo-1, 1 token"
        in client.get(f"/admin/credentials/credential/{Credential.objects.get().pk}/change/").content.decode()
    )
