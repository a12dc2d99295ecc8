"""Default models: one per type, valid for its type, its provider and its credential."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from calls.models import DefaultModel
from calls.selectors import default_model_get
from calls.services import default_model_set
from core.errors import DefaultModelNotConfigured
from providers.models import ProviderModel


@pytest.fixture
def gpt(catalog) -> ProviderModel:
    return ProviderModel.objects.get(provider__slug="openai", name="gpt-4o-mini", model_type="llm")


def test_default_model_can_be_set_and_read(gpt, make_credential):
    credential = make_credential(api_key="sk-abcdefghijklmnop")
    default_model_set(model=gpt, credential=credential)
    default = default_model_get(model_type="llm")
    assert (default.model, default.credential) == (gpt, credential)
    other = ProviderModel.objects.get(provider__slug="openai", name="gpt-4o", model_type="llm")
    default_model_set(model=other, credential=credential)
    assert DefaultModel.objects.count() == 1
    assert default_model_get(model_type="llm").model == other


def test_missing_default_model_raises_a_clear_error(db):
    with pytest.raises(DefaultModelNotConfigured, match="No default text-embedding model is configured"):
        default_model_get(model_type="text-embedding")


def test_default_model_type_must_match(gpt, make_credential):
    credential = make_credential(api_key="sk-abcdefghijklmnop")
    with pytest.raises(ValidationError) as info:
        DefaultModel(model_type="text-embedding", model=gpt, credential=credential).full_clean()
    assert "model" in info.value.message_dict


def test_default_model_credential_must_belong_to_the_models_provider(gpt, make_credential):
    claude = make_credential("claude", slug="anthropic", api_key="sk-ant-abcdefghijkl")
    with pytest.raises(ValidationError) as info:
        default_model_set(model=gpt, credential=claude)
    assert "credential" in info.value.message_dict


def test_default_model_must_be_enabled(gpt, make_credential):
    credential = make_credential(api_key="sk-abcdefghijklmnop")
    gpt.enabled = False
    gpt.save()
    with pytest.raises(ValidationError, match="disabled"):
        default_model_set(model=gpt, credential=credential)


def test_default_model_admin_rejects_an_invalid_pair(admin_client, gpt, make_credential):
    claude = make_credential("claude", slug="anthropic", api_key="sk-ant-abcdefghijkl")
    response = admin_client.post(
        "/admin/calls/defaultmodel/add/", {"model_type": "llm", "model": gpt.pk, "credential": claude.pk}
    )
    assert response.status_code == 200
    assert "credential" in response.context["adminform"].form.errors
    assert not DefaultModel.objects.exists()
