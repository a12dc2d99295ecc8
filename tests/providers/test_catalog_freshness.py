"""The catalog records where and when its models were checked, prices what it can, and retires what vendors retire."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from genai_prices import Usage, calc_price

from providers.catalog import CATALOG, spec_get
from providers.catalog.shapes import embedding, llm, price
from providers.catalog.types import ModelType, PredefinedModel, ProviderSpec
from providers.models import ProviderModel
from providers.services import catalog_load

PRICED_TYPES = (ModelType.LLM, ModelType.TEXT_EMBEDDING, ModelType.RERANK)
with_models = [spec for spec in CATALOG if spec.models]
sourced = with_models
with_price_page = [spec for spec in CATALOG if spec.models and spec.price_source]


def _genai_price_known(spec: ProviderSpec, model: PredefinedModel) -> bool:
    if not spec.genai_prices_id:
        return False
    try:
        calc_price(
            Usage(input_tokens=1_000_000, output_tokens=1_000_000),
            model_ref=model.name,
            provider_id=spec.genai_prices_id,
        )
    except LookupError:
        return False
    return True


@pytest.mark.parametrize("spec", sourced, ids=lambda spec: spec.slug)
def test_a_provider_with_predefined_models_says_where_and_when_they_were_checked(spec: ProviderSpec) -> None:
    """Every entry that predefines models records an https source and the day it was checked."""
    assert spec.models_source.startswith("https://")
    assert spec.checked is not None and spec.checked <= timezone.localdate()
    assert not spec.price_source or spec.price_source.startswith("https://")


@pytest.mark.parametrize("spec", with_price_page, ids=lambda spec: spec.slug)
def test_every_model_of_a_provider_with_a_price_page_has_a_price(spec: ProviderSpec) -> None:
    """A provider whose price page was checked prices each of its models, in the catalog or through genai-prices."""
    unpriced = [
        m.name
        for m in spec.models
        if m.model_type in PRICED_TYPES and m.price is None and not _genai_price_known(spec, m)
    ]
    assert unpriced == []


@pytest.mark.parametrize("spec", with_models, ids=lambda spec: spec.slug)
def test_catalog_prices_are_decimals_in_a_currency(spec: ProviderSpec) -> None:
    """A catalog price holds Decimals and an ISO 4217-shaped currency code."""
    for model in spec.models:
        if model.price is None:
            continue
        amounts = [model.price.input, model.price.output, model.price.cached_input]
        assert all(isinstance(a, Decimal) for a in amounts if a is not None), model.name
        assert len(model.price.currency) == 3 and model.price.currency.isupper(), model.name


def test_the_price_helper_keeps_decimal_strings_exact() -> None:
    """``price()`` turns decimal strings into exact Decimals and keeps the currency it is given."""
    cny = price("0.8", "2", "0.2", currency="CNY")
    assert (cny.input, cny.output, cny.cached_input, cny.currency) == (
        Decimal("0.8"),
        Decimal("2"),
        Decimal("0.2"),
        "CNY",
    )


def test_gemini_2_5_pro_and_flash_retire_on_december_first() -> None:
    """The issue's two retired Gemini models are kept with their shutdown date, so existing rows get disabled."""
    gemini = {m.name: m for m in spec_get("gemini").models}
    assert gemini["gemini-2.5-pro"].retires_on == gemini["gemini-2.5-flash"].retires_on == date(2026, 12, 1)


@pytest.mark.django_db
def test_a_retired_model_is_disabled_on_load_and_a_future_one_stays_enabled() -> None:
    """Loading the catalog disables a model whose retirement date has come, on creation and on an existing row."""
    today = timezone.localdate()
    base = spec_get("openai")
    spec = replace(
        base,
        models=(
            llm("retired-today", 8_192, retires_on=today),
            llm("retires-tomorrow", 8_192, retires_on=today + timedelta(days=1)),
            embedding("no-date", 8_192),
        ),
    )
    catalog_load(catalog=(spec,))
    enabled = dict(ProviderModel.objects.filter(provider__slug="openai").values_list("name", "enabled"))
    assert enabled == {"retired-today": False, "retires-tomorrow": True, "no-date": True}

    later = replace(spec, models=(llm("retires-tomorrow", 8_192, retires_on=today - timedelta(days=1)),))
    catalog_load(catalog=(later,))
    assert ProviderModel.objects.get(provider__slug="openai", name="retires-tomorrow").enabled is False
