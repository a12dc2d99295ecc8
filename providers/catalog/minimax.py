"""MiniMax, OpenAI-compatible API (https://platform.minimax.io/docs/api-reference/text-openai-api).

The endpoint is the China platform's (platform.minimaxi.com), from MiniMax's OpenAI-compatible API page.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

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
        # UNVERIFIED: model list, context windows and max output (vendor pages).
        llm("MiniMax-M2.5", 204_800, 131_072, json_mode=False),
        llm("MiniMax-M2.5-highspeed", 204_800, 131_072, json_mode=False),
        llm("MiniMax-M2.1", 204_800, 131_072, json_mode=False),
        llm("MiniMax-M2", 204_800, 131_072, json_mode=False),
    ),
    description=_("MiniMax's M-series models through their OpenAI-compatible API."),
    temperature=ParameterRule(0.01, 1.0, 0.9),  # the provider documents a 0-1 range
)
