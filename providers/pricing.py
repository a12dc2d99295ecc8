"""What a model costs, and what a call cost: an estimate from public prices.

A model's price is, in this order, the admin's override on its row (``ProviderModel.input_price`` ...), the
catalog's ``PredefinedModel.price``, or genai-prices' price for the provider's ``ProviderSpec.genai_prices_id``.
Every source is reduced to one shape, ``ModelPrice``, and every call is priced by one formula, ``call_cost``.

genai-prices quotes some models in tiers ("cliff" pricing: once a call's input passes a threshold, every token of
it is paid at the tier's rate). Those tiers are kept in ``ModelPrice.tiers`` and ``call_cost`` applies them the
way genai-prices does; ModelDesk does not call ``genai_prices.calc_price``, so that an override, a catalog price
and a genai-prices price are all priced the same way. Prices of other units (web searches, audio seconds, cache
writes) are not counted: a call's cost is an estimate of its tokens.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from functools import cache, lru_cache
from typing import Any, Literal

from django.db.models import F, Q
from django.utils import timezone

from wire.types import Usage

from .catalog import CATALOG, PredefinedModel, ProviderSpec
from .models import Provider, ProviderModel

logger = logging.getLogger(__name__)

PriceSource = Literal["override", "catalog", "genai-prices"]
PER = Decimal(1_000_000)
ZERO = Decimal(0)


@dataclass(frozen=True)
class PriceTier:
    """The rates (per 1M tokens) for every token of a call whose input exceeds ``above`` tokens."""

    above: int
    input: Decimal
    output: Decimal
    cached_input: Decimal | None = None

    @property
    def rates(self) -> tuple[Decimal, Decimal, Decimal | None]:
        return self.input, self.output, self.cached_input


@dataclass(frozen=True)
class ModelPrice:
    """A model's price per 1M tokens in ``currency``, and where it came from.

    ``cached_input``: prompt-cache reads (None: billed as input). ``tiers``: higher rates for long inputs,
    ascending by threshold (genai-prices only).
    """

    input: Decimal
    output: Decimal
    cached_input: Decimal | None = None
    currency: str = "USD"
    source: PriceSource = "catalog"
    tiers: tuple[PriceTier, ...] = ()

    def rates(self, input_tokens: int) -> tuple[Decimal, Decimal, Decimal]:
        """(input, output, cached input) per 1M tokens for a call with ``input_tokens`` tokens of input."""
        tier = next((t for t in reversed(self.tiers) if input_tokens > t.above), None)
        rate_in, rate_out, cached = (self.input, self.output, self.cached_input) if tier is None else tier.rates
        return rate_in, rate_out, rate_in if cached is None else cached


def call_cost(price: ModelPrice, usage: Usage) -> Decimal | None:
    """What a call cost in ``price.currency``; None when the usage has no token counts.

    Cached input tokens are part of the input tokens and are paid at the cached rate; reasoning tokens are part
    of the output tokens and are paid as output.
    """
    if usage.empty:
        return None
    tokens_in = max(usage.input_tokens or 0, 0)
    tokens_out = max(usage.output_tokens or 0, 0)
    cached = min(max(usage.cached_input_tokens or 0, 0), tokens_in)
    rate_in, rate_out, rate_cached = price.rates(tokens_in)
    return ((tokens_in - cached) * rate_in + cached * rate_cached + tokens_out * rate_out) / PER


def model_price(model: ProviderModel) -> ModelPrice | None:
    """The price of one model row: its override, else the catalog's, else genai-prices'. No query.

    An override sets only the fields it fills; a blank field is the underlying price's, when that is in the same
    currency (else 0). An overridden price has no tiers.
    """
    base = price_lookup(slug=model.provider.slug, name=model.name, model_type=model.model_type)
    if model.input_price is None and model.output_price is None:
        return base
    currency = model.price_currency or "USD"
    same = base if base is not None and base.currency == currency else ModelPrice(input=ZERO, output=ZERO)
    return ModelPrice(
        input=_first(model.input_price, same.input),
        output=_first(model.output_price, same.output),
        cached_input=model.cached_input_price if model.cached_input_price is not None else same.cached_input,
        currency=currency,
        source="override",
    )


def _first(value: Decimal | None, fallback: Decimal) -> Decimal:
    return value if value is not None else fallback


def price_lookup(*, slug: str, name: str, model_type: str) -> ModelPrice | None:
    """The price the catalog or genai-prices gives a model of a provider, overrides aside. No query."""
    predefined = _catalog_index().get((slug, name, model_type))
    if predefined is not None and predefined.price is not None:
        p = predefined.price
        return ModelPrice(input=p.input, output=p.output, cached_input=p.cached_input, currency=p.currency)
    spec = _spec_index().get(slug)
    if spec is None or not spec.genai_prices_id:
        return None
    return genai_price(spec.genai_prices_id, name, timezone.now().date())


def call_price(*, provider: Provider, credential_id: Any, name: str, model_type: str | None) -> ModelPrice | None:
    """The price of a call's model, with one query: the credential's own row, else the provider-wide one.

    A model without a row is priced from the catalog and genai-prices (when the type is known).
    """
    rows = ProviderModel.objects.filter(provider=provider, name=name).filter(
        Q(credential_id=credential_id) | Q(credential__isnull=True)
    )
    if model_type:
        rows = rows.filter(model_type=model_type)
    row = rows.order_by(F("credential_id").asc(nulls_last=True)).first()
    return row_price(provider=provider, row=row, name=name, model_type=model_type)


def row_price(*, provider: Provider, row: ProviderModel | None, name: str, model_type: str | None) -> ModelPrice | None:
    """The price of a model row already read (no query), or of a model without a row (catalog, genai-prices)."""
    if row is not None:
        row.provider = provider  # already loaded: no query for the slug
        return model_price(row)
    return price_lookup(slug=provider.slug, name=name, model_type=model_type) if model_type else None


@cache
def _catalog_index() -> dict[tuple[str, str, str], PredefinedModel]:
    return {(spec.slug, m.name, str(m.model_type)): m for spec in CATALOG for m in spec.models}


@cache
def _spec_index() -> dict[str, ProviderSpec]:
    return {spec.slug: spec for spec in CATALOG}


@lru_cache(maxsize=2048)
def genai_price(provider_id: str, name: str, day: date) -> ModelPrice | None:
    """genai-prices' price of a model on ``day`` (prices can change on a date); None when it does not know it.

    Cached per day: the bundled snapshot only changes when the package is upgraded.
    """
    from genai_prices.data_snapshot import get_snapshot

    try:
        _, info = get_snapshot().find_provider_model(name, None, provider_id, None)
        prices = info.get_prices(datetime.combine(day, time(12), tzinfo=UTC))
    except LookupError:
        return None
    except Exception:  # third-party data: a bad entry must not fail a call
        logger.warning("genai-prices could not price %s/%s", provider_id, name, exc_info=True)
        return None
    return _from_genai(prices)


def _from_genai(prices: Any) -> ModelPrice | None:
    """genai-prices' ``ModelPrice`` as ours: the token prices only, its tiers as ``PriceTier`` rows."""
    from genai_prices.types import TieredPrices  # here: the package and its data are imported when first needed

    values = [getattr(prices, key, None) for key in ("input_mtok", "output_mtok", "cache_read_mtok")]
    if values[0] is None and values[1] is None:
        return None  # priced per request, second or image: not by tokens
    starts = sorted({tier.start for value in values if isinstance(value, TieredPrices) for tier in value.tiers})
    tiers = tuple(
        PriceTier(start, _rate(values[0], start) or ZERO, _rate(values[1], start) or ZERO, _rate(values[2], start))
        for start in starts
    )
    base_in, base_out, base_cached = (_rate(value, None) for value in values)
    return ModelPrice(
        input=base_in or ZERO,
        output=base_out or ZERO,
        cached_input=base_cached,
        source="genai-prices",
        tiers=tiers,
    )


def _rate(value: Any, above: int | None) -> Decimal | None:
    """A genai-prices price (a Decimal or ``TieredPrices``) for calls whose input exceeds ``above`` (None: base)."""
    from genai_prices.types import TieredPrices

    if not isinstance(value, TieredPrices):
        return value if value is None else Decimal(value)
    applicable = [tier.price for tier in value.tiers if above is not None and tier.start <= above]
    return Decimal(applicable[-1] if applicable else value.base)
