"""Google Gemini, OpenAI-compatible endpoint of the Gemini API (https://ai.google.dev/gemini-api/docs/openai).

Google documents the base URL with a trailing "/"; it is stored without it like every other base URL. Errors come
as a JSON array, and an invalid key is HTTP 400 ("API key not valid"): ``wire/adapters/errors.py`` reads both for
every provider.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from wire.quirks import Quirks

from . import fields
from .shapes import EMBEDDING, LLM, embedding, llm
from .types import Protocol, ProviderSpec

SPEC = ProviderSpec(
    slug="gemini",
    name=_("Google Gemini"),
    protocol=Protocol.OPENAI_COMPATIBLE,
    default_base_url="https://generativelanguage.googleapis.com/v1beta/openai",
    credential_fields=(
        fields.api_key(_("Create one in Google AI Studio (aistudio.google.com/apikey).")),
        fields.base_url("https://generativelanguage.googleapis.com/v1beta/openai"),
    ),
    model_types=(LLM, EMBEDDING),
    models=(
        # Context windows from Google's documentation; max output UNVERIFIED. The 2.5 family shuts down on 2026-10-16.
        llm("gemini-3.5-flash", 1_048_576, 65_536, vision=True),
        llm("gemini-3.1-pro-preview", 1_048_576, 65_536, vision=True),
        llm("gemini-3-flash-preview", 1_048_576, 65_536, vision=True),
        llm("gemini-flash-latest", 1_048_576, 65_536, vision=True),
        llm("gemini-2.5-pro", 1_048_576, 65_536, vision=True),
        llm("gemini-2.5-flash", 1_048_576, 65_536, vision=True),
        llm("gemini-2.5-flash-lite", 1_048_576, 65_536, vision=True),
        embedding("gemini-embedding-001", 2_048),  # UNVERIFIED
    ),
    description=_("Google's Gemini models through the Gemini API's OpenAI-compatible endpoint."),
    quirks=Quirks(model_id_prefix="models/"),
)
