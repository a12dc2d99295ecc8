"""Anthropic (https://docs.anthropic.com/en/api/messages).

Models checked 2026-12-02 against the per-model pages under https://platform.claude.com/docs/en/models (context
window, max output, price) and https://platform.claude.com/docs/en/about-claude/model-deprecations; prices are
genai-prices' (provider id ``anthropic``). Sampling rules: Claude Opus 4.7 and later, Claude Fable and the 5.5
models refuse ``temperature`` (and ``top_p``) with a 400; Sonnet 4.5+, Opus 4.1+ and Haiku 4.5 refuse
``temperature`` together with ``top_p``. The ``anthropic-version`` header (2023-06-01) belongs to the protocol and
is sent by its adapter (``wire/adapters/anthropic.py``).
"""

from __future__ import annotations

from datetime import date
from typing import TypedDict

from django.utils.translation import gettext_lazy as _

from . import fields
from .shapes import LLM, llm
from .types import ParameterRule, Protocol, ProviderSpec


# Sampling rules shared by model families (see the module docstring).
class _Sampling(TypedDict, total=False):
    accepts_temperature: bool
    accepts_top_p: bool
    temperature_or_top_p: bool
    reasoning: bool


NO_SAMPLING = _Sampling(accepts_temperature=False, accepts_top_p=False, reasoning=True)
ONE_SAMPLER = _Sampling(temperature_or_top_p=True, reasoning=True)

SPEC = ProviderSpec(
    slug="anthropic",
    name=_("Anthropic"),
    protocol=Protocol.ANTHROPIC,
    default_base_url="https://api.anthropic.com",
    credential_fields=(
        fields.api_key(
            _("Create one in the Claude Console (console.anthropic.com > API keys); starts with sk-ant-."),
        ),
        fields.base_url("https://api.anthropic.com"),
    ),
    model_types=(LLM,),
    models=(
        # Current models; thinking is adaptive and always available.
        llm("claude-fable-5-2", 1_000_000, 128_000, vision=True, json_mode=False, **NO_SAMPLING),
        llm("claude-opus-5-5", 1_000_000, 128_000, vision=True, json_mode=False, **NO_SAMPLING),
        llm("claude-sonnet-5-5", 1_000_000, 128_000, vision=True, json_mode=False, **NO_SAMPLING),
        # UNVERIFIED: whether Haiku 5.5 refuses temperature outright like the other 5.5 models.
        llm("claude-haiku-5-5", 1_000_000, 128_000, vision=True, json_mode=False, **ONE_SAMPLER),
        # Legacy: still served, no retirement date announced.
        llm("claude-opus-5", 1_000_000, 128_000, vision=True, json_mode=False, **NO_SAMPLING),
        llm("claude-sonnet-5", 1_000_000, 128_000, vision=True, json_mode=False, **ONE_SAMPLER),
        llm("claude-opus-4-7", 1_000_000, 128_000, vision=True, json_mode=False, **NO_SAMPLING),
        llm("claude-opus-4-6", 1_000_000, 128_000, vision=True, json_mode=False, **ONE_SAMPLER),
        llm("claude-sonnet-4-6", 1_000_000, 64_000, vision=True, json_mode=False, **ONE_SAMPLER),
        llm("claude-opus-4-5-20251101", 200_000, 64_000, vision=True, json_mode=False, **ONE_SAMPLER),
        llm("claude-haiku-4-5", 200_000, 64_000, vision=True, json_mode=False, **ONE_SAMPLER),
        # Deprecated; retired on 2026-11-30 (replacement: claude-sonnet-5-5).
        llm(
            "claude-sonnet-4-5",
            200_000,
            64_000,
            vision=True,
            json_mode=False,
            retires_on=date(2026, 11, 30),
            **ONE_SAMPLER,
        ),
    ),
    models_source="https://platform.claude.com/docs/en/about-claude/model-deprecations",
    price_source="https://platform.claude.com/docs/en/about-claude/pricing",
    checked=date(2026, 12, 2),
    genai_prices_id="anthropic",
    description=_("Claude models through the Anthropic Messages API."),
    temperature=ParameterRule(0.0, 1.0, 1.0),
)
