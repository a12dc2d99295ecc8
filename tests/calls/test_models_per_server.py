"""Models belong to the server: on providers where every credential is its own server, discovered models belong to
the credential that found them; hosted providers keep provider-wide models."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from calls import services
from calls.selectors import models_for_credential
from providers.models import ProviderModel


def test_models_fetched_on_one_server_do_not_appear_under_another(point_at):
    server_a = point_at("openai_compatible", name="server-a")
    server_b = point_at("openai_compatible", name="server-b")
    report = services.models_discover(credential=server_a)
    assert report.created > 0
    assert set(ProviderModel.objects.filter(origin="discovered").values_list("credential", flat=True)) == {server_a.pk}
    assert models_for_credential(server_a).count() == report.created
    assert models_for_credential(server_b).count() == 0
    again = services.models_discover(credential=server_b)
    assert again.created == report.created  # the same names, now also server B's own rows


def test_hosted_providers_keep_provider_wide_models(point_at):
    credential = point_at("deepseek")
    services.models_discover(credential=credential)
    assert not ProviderModel.objects.filter(provider=credential.provider, credential__isnull=False).exists()


def test_a_default_model_of_one_server_cannot_be_paid_by_another(point_at):
    server_a = point_at("openai_compatible", name="server-a")
    server_b = point_at("openai_compatible", name="server-b")
    services.models_discover(credential=server_a)
    model = ProviderModel.objects.filter(credential=server_a, model_type="llm").first()
    with pytest.raises(ValidationError, match="served only by the credential server-a"):
        services.default_model_set(model=model, credential=server_b)
    assert services.default_model_set(model=model, credential=server_a).credential == server_a


def test_sync_models_reports_models_the_provider_no_longer_lists(point_at):
    from io import StringIO

    credential = point_at("openai_compatible", name="local")
    ProviderModel.objects.create(
        provider=credential.provider, credential=credential, name="gone-model", model_type="llm", origin="discovered"
    )
    out = StringIO()
    call_command("sync_models", "local", stdout=out)
    assert "no longer listed by the provider: gone-model" in out.getvalue()
