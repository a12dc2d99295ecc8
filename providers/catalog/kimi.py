"""Kimi by Moonshot AI (https://platform.moonshot.cn/docs).

Two platforms whose keys are not interchangeable. Usage arrives inside ``choices[0]`` of the last stream chunk,
which the OpenAI adapter reads for every provider. ``tool_choice: "required"`` is not supported (ModelDesk sends
no ``tool_choice``).
"""

from __future__ import annotations

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
        llm("kimi-k3", 1_048_576, None),  # UNVERIFIED: max output
        llm("kimi-k2.6", 262_144, None, temperature=FIXED_TEMPERATURE),
        llm("kimi-k2.5", 262_144, None),  # UNVERIFIED: may also accept only temperature 1
        llm("kimi-k2-thinking", 262_144, None),
        llm("moonshot-v1-128k", 128_000, None),
    ),
    description=_("Moonshot AI's Kimi models."),
    temperature=ParameterRule(0.0, 1.0, 0.3),
    quirks=Quirks(region_base_urls=fields.region_base_urls(REGIONS)),
)
