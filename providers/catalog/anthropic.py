"""Anthropic (https://docs.anthropic.com/en/api/messages).

Context windows from Anthropic's documentation; max output from its model overview
(https://docs.anthropic.com/en/docs/about-claude/models/overview, UNVERIFIED). The ``anthropic-version`` header
(2023-06-01) belongs to the protocol and is sent by its adapter (``wire/adapters/anthropic.py``).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from . import fields
from .shapes import LLM, llm
from .types import ParameterRule, Protocol, ProviderSpec

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
        llm("claude-opus-4-7", 1_000_000, 128_000, vision=True, json_mode=False),
        llm("claude-opus-4-6", 1_000_000, 128_000, vision=True, json_mode=False),
        llm("claude-sonnet-4-6", 1_000_000, 64_000, vision=True, json_mode=False),
        llm("claude-sonnet-4-5", 1_000_000, 64_000, vision=True, json_mode=False),
        llm("claude-opus-4-5-20251101", 200_000, 64_000, vision=True, json_mode=False),
        llm("claude-haiku-4-5", 200_000, 64_000, vision=True, json_mode=False),
    ),
    description=_("Claude models through the Anthropic Messages API."),
    temperature=ParameterRule(0.0, 1.0, 1.0),
)
