"""Model prices (override, then catalog, then genai-prices) and what a call costs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from genai_prices import Usage as GenaiUsage
from genai_prices import calc_price
from hypothesis import given, settings
from hypothesis import strategies as st

from providers import pricing
from providers.catalog.types import ModelType, PredefinedModel, Price, Protocol, ProviderSpec
from providers.models import Provider, ProviderModel
from providers.pricing import ModelPrice, PriceTier, call_cost, genai_price, model_price
from wire.types import Usage

ACME = ProviderSpec(
    slug="acme",
    name="Acme",
    protocol=Protocol.OPENAI_COMPATIBLE,
    default_base_url="https://acme.invalid/v1",
    credential_fields=(),
    model_types=(ModelType.LLM,),
    models=(
        PredefinedModel("gpt-4o", price=Price(Decimal("1"), Decimal("4"), Decimal("0.5"))),
        PredefinedModel("gpt-4o-mini"),  # no catalog price: genai-prices' openai price
    ),
    genai_prices_id="openai",
)
UNPRICED = ProviderSpec(
    slug="unpriced",
    name="Unpriced",
    protocol=Protocol.OPENAI_COMPATIBLE,
    default_base_url="https://unpriced.invalid/v1",
    credential_fields=(),
    model_types=(ModelType.LLM,),
)


@pytest.fixture(autouse=True)
def acme_catalog(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two made-up providers instead of the real catalog, whose prices change with the vendors'."""
    specs = (ACME, UNPRICED)
    index = {(s.slug, m.name, str(m.model_type)): m for s in specs for m in s.models}
    monkeypatch.setattr(pricing, "_catalog_index", lambda: index)
    monkeypatch.setattr(pricing, "_spec_index", lambda: {s.slug: s for s in specs})


def row(name: str, slug: str = "acme", **fields: object) -> ProviderModel:
    return ProviderModel(provider=Provider(slug=slug), name=name, model_type="llm", **fields)


def test_an_override_beats_the_catalog_price():
    price = model_price(row("gpt-4o", input_price=Decimal("9"), output_price=Decimal("18")))
    assert price == ModelPrice(Decimal("9"), Decimal("18"), Decimal("0.5"), "USD", "override")


def test_the_catalog_price_beats_genai_prices():
    assert model_price(row("gpt-4o")) == ModelPrice(Decimal("1"), Decimal("4"), Decimal("0.5"), "USD", "catalog")


def test_genai_prices_prices_a_model_the_catalog_leaves_unpriced():
    price = model_price(row("gpt-4o-mini"))
    assert price is not None and price.source == "genai-prices" and price.currency == "USD"
    assert price.input > 0 and price.output > price.input


def test_an_unknown_model_has_no_price():
    assert model_price(row("no-such-model-anywhere")) is None
    assert genai_price("no-such-provider", "gpt-4o", date.today()) is None


def test_a_provider_without_a_genai_prices_id_is_not_guessed_from_the_model_name():
    """genai-prices could match "gpt-4o" to OpenAI; a provider it does not cover must not borrow that price."""
    assert model_price(row("gpt-4o", slug="unpriced")) is None


def test_a_half_override_keeps_the_catalog_price_of_the_other_half():
    price = model_price(row("gpt-4o", output_price=Decimal("5")))
    assert price is not None and (price.input, price.output, price.source) == (Decimal("1"), Decimal("5"), "override")


def test_an_override_in_another_currency_borrows_nothing_from_the_catalog():
    price = model_price(row("gpt-4o", input_price=Decimal("7"), price_currency="CNY"))
    assert price == ModelPrice(Decimal("7"), Decimal("0"), None, "CNY", "override")


def test_an_override_on_an_unpriced_model_defaults_to_usd():
    price = model_price(row("own-model", slug="unpriced", input_price=Decimal("1"), output_price=Decimal("2")))
    assert price == ModelPrice(Decimal("1"), Decimal("2"), None, "USD", "override")


PRICE = ModelPrice(Decimal("2"), Decimal("8"), Decimal("0.5"))


def test_cached_input_tokens_are_part_of_the_input_and_cost_the_cached_rate():
    usage = Usage(input_tokens=1000, output_tokens=500, cached_input_tokens=400, reasoning_tokens=300)
    assert call_cost(PRICE, usage) == (600 * 2 + 400 * Decimal("0.5") + 500 * 8) / Decimal(1_000_000)


def test_without_a_cached_rate_cached_tokens_cost_the_input_rate():
    price = ModelPrice(Decimal("2"), Decimal("8"))
    assert call_cost(price, Usage(1000, 0, cached_input_tokens=1000)) == Decimal("0.002")


def test_usage_without_token_counts_has_no_cost_and_zero_tokens_cost_nothing():
    assert call_cost(PRICE, Usage()) is None
    assert call_cost(PRICE, Usage(input_tokens=0, output_tokens=0)) == 0


def test_a_tier_applies_to_every_token_once_the_input_passes_its_threshold():
    price = ModelPrice(Decimal("3"), Decimal("15"), tiers=(PriceTier(200_000, Decimal("6"), Decimal("22.5")),))
    assert call_cost(price, Usage(200_000, 1000)) == (200_000 * 3 + 1000 * 15) / Decimal(1_000_000)
    assert call_cost(price, Usage(200_001, 1000)) == (200_001 * 6 + 1000 * Decimal("22.5")) / Decimal(1_000_000)


rates = st.decimals(min_value=0, max_value=1000, places=4)
counts = st.integers(min_value=0, max_value=5_000_000)


@settings(max_examples=200, deadline=None)
@given(rates, rates, rates, counts, counts, counts, counts)
def test_cost_never_falls_as_input_or_output_tokens_grow(rate_in, rate_out, rate_cached, tokens, more, out, cached):
    price = ModelPrice(rate_in, rate_out, rate_cached)
    cached = min(cached, tokens)
    cost = call_cost(price, Usage(tokens, out, cached_input_tokens=cached))
    assert cost is not None and cost >= 0
    assert call_cost(price, Usage(tokens + more, out, cached_input_tokens=cached)) >= cost  # type: ignore[operator]
    assert call_cost(price, Usage(tokens, out + more, cached_input_tokens=cached)) >= cost  # type: ignore[operator]
    assert call_cost(price, Usage(0, 0, cached_input_tokens=0)) == 0


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(["anthropic:claude-sonnet-4-5", "openai:gpt-4o"]), counts, counts, counts)
def test_genai_prices_models_cost_what_genai_prices_says(ref, tokens, out, cached):
    """Tiers included: ModelDesk's one formula agrees with ``genai_prices.calc_price`` on token prices."""
    provider_id, name = ref.split(":")
    cached = min(cached, tokens)
    price = genai_price(provider_id, name, date.today())
    assert price is not None
    usage = GenaiUsage(input_tokens=tokens, output_tokens=out, cache_read_tokens=cached)
    expected = calc_price(usage, name, provider_id=provider_id).total_price
    assert call_cost(price, Usage(tokens, out, cached_input_tokens=cached)) == expected
