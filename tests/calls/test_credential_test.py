"""The connection test makes the request a real call makes, so it neither passes a credential that cannot chat
nor fails one that can."""

from __future__ import annotations

from calls import services
from calls.models import CallLog
from providers.models import ProviderModel


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
    assert check.tried == "chat echo-1, 1 token"
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
    assert check.tried == "chat echo-2, 1 token" and first.name not in check.tried


def test_without_any_model_the_test_falls_back_to_the_model_list_and_says_so(point_at):
    check = services.credential_test(credential=point_at("openai_compatible"))
    assert check.ok and check.tried == "model list (no model to test with yet)"


def test_check_credentials_shows_what_was_tried(point_at, capsys):
    from io import StringIO

    from django.core.management import call_command

    credential = point_at("openai_compatible", name="fake")
    ProviderModel.objects.create(provider=credential.provider, name="echo-1", model_type="llm")
    out = StringIO()
    call_command("check_credentials", stdout=out)
    assert "chat echo-1, 1 token" in out.getvalue()
