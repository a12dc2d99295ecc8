"""Kimi by Moonshot AI (https://platform.kimi.ai/docs).

Models checked 2026-12-02 against https://platform.kimi.ai/docs/models and their parameter rules against
https://platform.kimi.ai/docs/api/models-overview: kimi-k2.6 (and kimi-k2.5 before it) fixes temperature, top_p and
the penalties ("cannot be modified") and takes a ``thinking`` switch. kimi-k2-thinking and the moonshot-v1 models
are no longer served. Prices are genai-prices' (provider id ``moonshotai``).

Two platforms whose keys are not interchangeable. Usage arrives inside ``choices[0]`` of the last stream chunk,
which the OpenAI adapter reads for every provider. ``tool_choice: "required"`` is not supported (ModelDesk sends
no ``tool_choice``).
"""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext_lazy as _

from wire.quirks import Quirks

from . import fields
from .shapes import FIXED_TEMPERATURE, LLM, llm
from .types import ParameterRule, Protocol, ProviderSpec

REGIONS: fields.Regions = {
    "cn": ("China mainland (api.moonshot.cn) · 中国大陆", "https://api.moonshot.cn/v1"),
    "intl": ("International (api.moonshot.ai) · 国际", "https://api.moonshot.ai/v1"),
}

SPEC = ProviderSpec(
    slug="kimi",
    name=_("Kimi (Moonshot AI)"),
    protocol=Protocol.OPENAI_COMPATIBLE,
    default_base_url=REGIONS["cn"][1],
    credential_fields=(
        fields.api_key(
            _("Create one at platform.moonshot.cn (China) or platform.moonshot.ai (international)."),
        ),
        fields.region(
            REGIONS,
            "cn",
            _("The platform your key was created on; keys do not work across platforms."),
        ),
        fields.region_base_url(),
    ),
    model_types=(LLM,),
    models=(
        # UNVERIFIED: max output and sampling rules of the K3 family (not in the parameter reference).
        llm("kimi-k3.1-pro", 1_048_576, None, vision=True),
        llm("kimi-k3.1-pro-highspeed", 1_048_576, None, vision=True),
        llm("kimi-k3", 1_048_576, None),
        llm("kimi-k2.7-code", 262_144, None, reasoning=True),  # UNVERIFIED: sampling rules
        llm("kimi-k2.7-code-highspeed", 262_144, None, reasoning=True),
        llm(
            "kimi-k2.6",
            262_144,
            262_144,
            vision=True,
            temperature=FIXED_TEMPERATURE,
            accepts_top_p=False,
            reasoning=True,
        ),
        llm("kimi-k2.5", 262_144, None, temperature=FIXED_TEMPERATURE, accepts_top_p=False, reasoning=True),
    ),
    models_source="https://platform.kimi.ai/docs/models",
    price_source="https://platform.kimi.ai/docs/pricing/chat",
    checked=date(2026, 12, 2),
    genai_prices_id="moonshotai",
    description=_("Moonshot AI's Kimi models."),
    temperature=ParameterRule(0.0, 1.0, 0.3),
    # thinking: {"type": "enabled"|"disabled"} (https://platform.kimi.ai/docs/api/models-overview, checked 2026-12-02).
    quirks=Quirks(region_base_urls=fields.region_base_urls(REGIONS), thinking_style="thinking_type"),
)
