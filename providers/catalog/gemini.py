"""Google Gemini, OpenAI-compatible endpoint of the Gemini API (https://ai.google.dev/gemini-api/docs/openai).

Models checked 2026-12-02 against https://ai.google.dev/gemini-api/docs/models and shutdown dates against
https://ai.google.dev/gemini-api/docs/deprecations (gemini-2.5-pro and gemini-2.5-flash shut down on 2026-12-01;
gemini-2.5-flash-lite stays). Prices are genai-prices' (provider id ``google``). Gemini 2.5 and later are thinking
models. Google documents the base URL with a trailing "/"; it is stored without it like every other base URL. Errors
come as a JSON array, and an invalid key is HTTP 400 ("API key not valid"): ``wire/adapters/errors.py`` reads both
for every provider.
"""

from __future__ import annotations

from datetime import date

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
        # Context and output limits from Google's model pages (1,048,576 in, 65,536 out); UNVERIFIED for 3.5-3.7.
        llm("gemini-3.8-flash", 1_048_576, 65_536, vision=True, reasoning=True),
        llm("gemini-3.7-flash", 1_048_576, 65_536, vision=True, reasoning=True),
        llm("gemini-3.6-flash", 1_048_576, 65_536, vision=True, reasoning=True),
        llm("gemini-3.5-flash", 1_048_576, 65_536, vision=True, reasoning=True),
        llm("gemini-3.5-flash-lite", 1_048_576, 65_536, vision=True, reasoning=True),
        llm("gemini-3.1-flash-lite", 1_048_576, 65_536, vision=True, reasoning=True, retires_on=date(2027, 5, 7)),
        llm("gemini-3.1-pro-preview", 1_048_576, 65_536, vision=True, reasoning=True),
        llm("gemini-3-flash-preview", 1_048_576, 65_536, vision=True, reasoning=True),
        llm("gemini-2.5-flash-lite", 1_048_576, 65_536, vision=True, reasoning=True),
        # Shut down on 2026-12-01; kept so that existing rows are disabled on the next catalog load.
        llm("gemini-2.5-pro", 1_048_576, 65_536, vision=True, reasoning=True, retires_on=date(2026, 12, 1)),
        llm("gemini-2.5-flash", 1_048_576, 65_536, vision=True, reasoning=True, retires_on=date(2026, 12, 1)),
        embedding("gemini-embedding-2"),  # UNVERIFIED: input limit
        embedding("gemini-embedding-001", 2_048),
    ),
    models_source="https://ai.google.dev/gemini-api/docs/deprecations",
    price_source="https://ai.google.dev/gemini-api/docs/pricing",
    checked=date(2026, 12, 2),
    genai_prices_id="google",
    description=_("Google's Gemini models through the Gemini API's OpenAI-compatible endpoint."),
    # reasoning_effort, "none" turns thinking off (https://ai.google.dev/gemini-api/docs/openai, checked 2026-12-02).
    quirks=Quirks(model_id_prefix="models/", thinking_style="reasoning_effort"),
)
