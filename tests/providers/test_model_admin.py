"""The model admin: prices and their overrides, retirement warnings, and who owns a model's rules."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from credentials.services import credential_save
from providers.models import ModelOrigin, Provider, ProviderModel

LIST = "/admin/providers/providermodel/"


def change_url(model: ProviderModel) -> str:
    return f"{LIST}{model.pk}/change/"


@pytest.fixture
def predefined(catalog: None) -> ProviderModel:
    return ProviderModel.objects.filter(origin=ModelOrigin.PREDEFINED, model_type="llm", enabled=True).first()


@pytest.fixture
def custom(catalog: None) -> ProviderModel:
    return ProviderModel.objects.create(
        provider=Provider.objects.get(slug="openai_compatible"), name="house-model", model_type="llm"
    )


def form_data(model: ProviderModel, **changes: Any) -> dict[str, Any]:
    """What the change form posts for ``model`` as it is, with ``changes`` on top (booleans as "on" or absent)."""
    fields = [f.name for f in ProviderModel._meta.fields if f.editable and f.name not in ("id", "origin")]
    data: dict[str, Any] = {}
    for name in fields:
        value = getattr(model, f"{name}_id" if name in ("provider", "credential") else name)
        data[name] = value
    data.update(changes)
    return {k: ("on" if v is True else "" if v is None else v) for k, v in data.items() if v is not False}


def test_a_model_past_its_retirement_is_badged_retired_in_the_list(admin_client, custom):
    ProviderModel.objects.filter(pk=custom.pk).update(retires_on=timezone.localdate() - timedelta(days=3))
    page = admin_client.get(LIST + "?q=house-model").content.decode()
    assert "retired on" in page


def test_a_model_retiring_within_30_days_is_warned_about_in_the_list_and_on_its_page(admin_client, custom):
    ProviderModel.objects.filter(pk=custom.pk).update(retires_on=timezone.localdate() + timedelta(days=12))
    assert "in 12 days" in admin_client.get(LIST + "?q=house-model").content.decode()
    response = admin_client.get(change_url(custom))
    warnings = [str(m) for m in response.context["messages"]]
    assert any("house-model" in m and "in 12 days" in m for m in warnings)


def test_a_model_retiring_later_is_not_warned_about(admin_client, custom):
    ProviderModel.objects.filter(pk=custom.pk).update(retires_on=timezone.localdate() + timedelta(days=90))
    response = admin_client.get(change_url(custom))
    assert not list(response.context["messages"]) and "retires on" not in response.content.decode()


def test_the_rules_of_a_predefined_model_are_read_only(admin_client, predefined):
    """The catalog owns them (``catalog_load`` rewrites them); a posted change is ignored."""
    before = ProviderModel.objects.get(pk=predefined.pk)
    response = admin_client.post(
        change_url(predefined),
        form_data(
            predefined,
            accepts_temperature=not before.accepts_temperature,
            temperature_max=0.5,
            max_tokens_param="max_completion_tokens",
            context_window=7,
            input_price="1.5",
            output_price="6",
        ),
    )
    assert response.status_code == 302
    after = ProviderModel.objects.get(pk=predefined.pk)
    rules = ("accepts_temperature", "temperature_max", "max_tokens_param", "context_window", "supports_reasoning")
    assert [getattr(after, f) for f in rules] == [getattr(before, f) for f in rules]
    assert (after.input_price, after.output_price) == (Decimal("1.5"), Decimal("6"))  # the admin's to override


def test_the_change_page_of_a_predefined_model_shows_its_rules_without_inputs(admin_client, predefined):
    page = admin_client.get(change_url(predefined)).content.decode()
    assert 'name="accepts_temperature"' not in page and 'name="temperature_max"' not in page
    assert 'name="input_price"' in page and "catalog price" in page


def test_the_rules_of_a_custom_model_are_the_admins(admin_client, custom):
    response = admin_client.post(
        change_url(custom),
        form_data(custom, accepts_temperature=False, temperature_or_top_p=True, max_tokens_param="max_tokens"),
    )
    assert response.status_code == 302
    after = ProviderModel.objects.get(pk=custom.pk)
    assert (after.accepts_temperature, after.temperature_or_top_p, after.max_tokens_param) == (
        False,
        True,
        "max_tokens",
    )


def test_half_an_override_needs_the_other_half_where_no_catalog_price_exists(admin_client, custom):
    response = admin_client.post(change_url(custom), form_data(custom, input_price="2"))
    assert response.status_code == 200
    assert "output_price" in response.context["adminform"].form.errors


def test_the_list_shows_the_effective_price_and_the_owning_server(admin_client, custom):
    credential = credential_save(
        provider=custom.provider, name="gpu-box", values={"base_url": "http://gpu.invalid/v1", "api_key": "k" * 20}
    )
    ProviderModel.objects.filter(pk=custom.pk).update(
        input_price=Decimal("0.4"), output_price=Decimal("1.6"), price_currency="CNY", credential=credential
    )
    page = admin_client.get(LIST + "?q=house-model").content.decode()
    assert "0.4 / 1.6 CNY" in page and "gpu-box" in page
    assert admin_client.get(LIST + f"?credential__id__exact={credential.pk}").status_code == 200


def test_an_admin_adds_a_custom_model_with_its_rules_and_price(admin_client, catalog):
    provider = Provider.objects.get(slug="openai_compatible")
    assert admin_client.get(LIST + "add/").status_code == 200
    response = admin_client.post(
        LIST + "add/",
        {
            "provider": provider.pk,
            "name": "house-model-2",
            "model_type": "llm",
            "enabled": "on",
            "accepts_top_p": "on",
            "supports_reasoning": "on",
            "input_price": "0.1",
            "output_price": "0.2",
            "price_currency": "usd",
        },
    )
    assert response.status_code == 302
    model = ProviderModel.objects.get(name="house-model-2")
    assert (model.accepts_temperature, model.accepts_top_p, model.supports_reasoning) == (False, True, True)
    assert (model.input_price, model.price_currency) == (Decimal("0.1"), "USD")
