"""MiniMax, OpenAI-compatible API (https://platform.minimax.io/docs/api-reference/text-openai-api).

Models checked 2026-12-02 against https://platform.minimax.io/docs/guides/models-intro: MiniMax-M3 (1M context,
temporarily limited to 500K by MiniMax) and the M2.7 / M2.5 / M2 line, all reasoning models. Prices are
genai-prices' (provider id ``minimax``); MiniMax-M2.5 and MiniMax-M2.1 were dropped because genai-prices matches
them to MiniMax-M2's price and MiniMax's own price page could not be read. The endpoint is the China platform's
(platform.minimaxi.com), from MiniMax's OpenAI-compatible API page.
"""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext_lazy as _

from wire.quirks import Quirks

from . import fields
from .shapes import LLM, llm
from .types import ParameterRule, Protocol, ProviderSpec

SPEC = ProviderSpec(
    slug="minimax",
    name=_("MiniMax"),
    protocol=Protocol.OPENAI_COMPATIBLE,
    default_base_url="https://api.minimaxi.com/v1",
    credential_fields=(
        fields.api_key(_("Create one at platform.minimaxi.com (China) or platform.minimax.io (international).")),
        fields.base_url(
            "https://api.minimaxi.com/v1",
            help=_("Keep the default for the China platform. International keys use https://api.minimax.io/v1."),
        ),
    ),
    model_types=(LLM,),
    models=(
        llm("MiniMax-M3", 1_000_000, 131_072, vision=True, json_mode=False, reasoning=True),  # UNVERIFIED: max output
        llm("MiniMax-M2.7", 204_800, 131_072, json_mode=False, reasoning=True),
        llm("MiniMax-M2.7-highspeed", 204_800, 131_072, json_mode=False, reasoning=True),
        llm("MiniMax-M2.5-highspeed", 204_800, 131_072, json_mode=False, reasoning=True),
        llm("MiniMax-M2", 204_800, 131_072, json_mode=False, reasoning=True),
    ),
    models_source="https://platform.minimax.io/docs/guides/models-intro",
    price_source="https://platform.minimax.io/docs/guides/pricing",
    checked=date(2026, 12, 2),
    genai_prices_id="minimax",
    description=_("MiniMax's M-series models through their OpenAI-compatible API."),
    temperature=ParameterRule(0.01, 1.0, 0.9),  # the provider documents a 0-1 range
    # reasoning_split: true keeps <think> out of content; thinking arrives in reasoning_details
    # (https://platform.minimax.io/docs/api-reference/text-openai-api, checked 2026-12-02).
    quirks=Quirks(thinking_style="reasoning_split"),
)
