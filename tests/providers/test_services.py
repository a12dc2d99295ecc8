"""Loading the catalog, default models and model rules."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from providers.catalog import CATALOG, spec_get
from providers.models import ModelOrigin, Provider, ProviderModel
from providers.services import catalog_load


def _snapshot() -> tuple[list, list]:
    providers = list(Provider.objects.order_by("slug").values())
    models = list(ProviderModel.objects.order_by("provider__slug", "name", "model_type").values())
    return providers, models


@pytest.mark.django_db
def test_reloading_the_catalog_changes_nothing():
    first = catalog_load()
    assert first.providers_created == len(CATALOG) >= 20
    assert first.models_created == sum(len(spec.models) for spec in CATALOG)
    before = _snapshot()
    second = catalog_load()
    assert not second.changed
    assert _snapshot() == before


def test_admin_changes_survive_a_reload(catalog):
    openai = Provider.objects.get(slug="openai")
    openai.enabled = False
    openai.base_url = "https://gateway.internal.example/v1"
    openai.save()
    model = ProviderModel.objects.filter(provider=openai).first()
    model.enabled = False
    model.save()
    custom = ProviderModel.objects.create(provider=openai, name="my-finetune", model_type="llm")

    catalog_load()

    openai.refresh_from_db()
    model.refresh_from_db()
    assert (openai.enabled, openai.base_url) == (False, "https://gateway.internal.example/v1")
    assert model.enabled is False
    assert ProviderModel.objects.get(pk=custom.pk).origin == ModelOrigin.CUSTOM


def test_catalog_changes_reach_existing_rows(catalog):
    """A predefined model's facts and a provider's position follow the catalog; the provider's own facts are
    never copied, so there is nothing to update for them."""
    spec = next(s for s in CATALOG if s.slug == "openai")
    changed = replace(spec, models=(replace(spec.models[0], context_window=7),))
    report = catalog_load(catalog=(CATALOG[1], changed, *CATALOG[2:]))
    assert (report.providers_updated, report.models_updated) == (2, 1)  # openai and azure_openai swapped places
    assert [p.slug for p in Provider.objects.all()[:2]] == ["azure_openai", "openai"]
    assert ProviderModel.objects.get(provider__slug="openai", name=spec.models[0].name).context_window == 7


def test_a_provider_row_reads_its_facts_from_the_code_catalog(catalog):
    """Names, protocol, types, schema and quirks come from the catalog entry of the row's slug."""
    qwen = Provider.objects.get(slug="qwen")
    assert qwen.spec is spec_get("qwen") and qwen.in_catalog
    assert qwen.protocol == "openai_compatible" and qwen.effective_base_url == qwen.spec.default_base_url
    assert "rerank" in qwen.model_types
    assert qwen.quirks.region_base_urls["ap-southeast-1"].startswith("https://dashscope-intl.")
    api_key = qwen.schema_field("api_key")
    assert api_key is not None and api_key.secret and qwen.secret_field_names() == ["api_key"]
    with translation.override("zh-hans"):
        assert (qwen.name, str(api_key.label)) == ("通义千问（阿里云百炼）", "API 密钥")
        assert str(qwen) == qwen.display_name == "通义千问（阿里云百炼）"


# --- Default models ----------------------------------------------------------------------------------------


# --- Model rules -------------------------------------------------------------------------------------------


def test_model_unique_per_provider_name_and_type(catalog):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        ProviderModel.objects.create(provider=Provider.objects.get(slug="openai"), name="gpt-4o", model_type="llm")
    ProviderModel.objects.create(
        provider=Provider.objects.get(slug="openai"), name="gpt-4o", model_type="text-embedding"
    )


@pytest.mark.parametrize(
    "fields, error_field",
    [
        ({"model_type": "rerank"}, "model_type"),
        ({"temperature_min": 1.5, "temperature_max": 1.0}, "temperature_max"),
        ({"top_p_min": 0, "top_p_max": 1, "top_p_default": 2}, "top_p_default"),
        ({"max_output_tokens": 100, "max_tokens_max": 200}, "max_tokens_max"),
    ],
)
def test_model_rules_are_validated(catalog, fields, error_field):
    model = ProviderModel(provider=Provider.objects.get(slug="deepseek"), name="x", model_type="llm")
    for key, value in fields.items():
        setattr(model, key, value)
    with pytest.raises(ValidationError) as info:
        model.full_clean()
    assert error_field in info.value.message_dict


def test_custom_model_added_in_admin_is_marked_custom(admin_client, catalog):
    hf = Provider.objects.get(slug="huggingface")
    response = admin_client.post(
        "/admin/providers/providermodel/add/",
        {
            "provider": hf.pk,
            "name": "meta-llama/Llama-3.3-70B-Instruct",
            "model_type": "llm",
            "enabled": "on",
            "supports_streaming": "on",
            "context_window": "131072",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    model = ProviderModel.objects.get(provider=hf)
    assert model.origin == ModelOrigin.CUSTOM
