"""OpenAI (https://platform.openai.com/docs/api-reference).

Models checked 2026-12-02 against https://developers.openai.com/api/docs/models and shutdown dates against
https://developers.openai.com/api/docs/deprecations. Prices are genai-prices' (provider id ``openai``); OpenAI's
price page is https://developers.openai.com/api/docs/pricing. GPT-5 and GPT-6 models are reasoning models: they
accept temperature only with reasoning effort "none", so the catalog fixes it at the default.
"""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext_lazy as _

from wire.quirks import Quirks

from . import fields
from .shapes import EMBEDDING, FIXED_TEMPERATURE, LLM, STT, embedding, llm, stt
from .types import CredentialField, Protocol, ProviderSpec

DEC_11, JAN_14 = date(2026, 12, 11), date(2027, 1, 14)  # shutdown dates, deprecations page

SPEC = ProviderSpec(
    slug="openai",
    name=_("OpenAI"),
    protocol=Protocol.OPENAI_COMPATIBLE,
    default_base_url="https://api.openai.com/v1",
    credential_fields=(
        fields.api_key(_("Create one at platform.openai.com/api-keys (starts with sk-).")),
        fields.base_url("https://api.openai.com/v1"),
        CredentialField(
            name="organization",
            label=_("Organization ID"),
            help=_("Optional. Sent as OpenAI-Organization; only needed if your key is in several orgs."),
        ),
        CredentialField(
            name="project",
            label=_("Project ID"),
            help=_("Optional. Sent as OpenAI-Project to bill usage to a specific project."),
        ),
    ),
    model_types=(LLM, EMBEDDING, STT),
    models=(
        llm("gpt-6-astra", 1_050_000, 128_000, vision=True, temperature=FIXED_TEMPERATURE, reasoning=True),
        llm("gpt-6.1-sol", 1_050_000, 128_000, vision=True, temperature=FIXED_TEMPERATURE, reasoning=True),
        llm("gpt-6.1-terra", 1_050_000, 128_000, vision=True, temperature=FIXED_TEMPERATURE, reasoning=True),
        llm("gpt-6-sol", 1_050_000, 128_000, vision=True, temperature=FIXED_TEMPERATURE, reasoning=True),
        llm("gpt-6-luna", 1_050_000, 128_000, vision=True, temperature=FIXED_TEMPERATURE, reasoning=True),
        llm("gpt-5.5", 1_050_000, 128_000, vision=True, temperature=FIXED_TEMPERATURE, reasoning=True),
        # Shut down on 2026-12-11 (replacements: gpt-6.1-sol and gpt-6.1-terra).
        llm("gpt-5", 400_000, 128_000, vision=True, temperature=FIXED_TEMPERATURE, reasoning=True, retires_on=DEC_11),
        llm(
            "gpt-5-mini",
            400_000,
            128_000,
            vision=True,
            temperature=FIXED_TEMPERATURE,
            reasoning=True,
            retires_on=DEC_11,
        ),
        llm("o3", 200_000, 100_000, vision=True, temperature=FIXED_TEMPERATURE, reasoning=True, retires_on=DEC_11),
        # Shut down on 2027-01-14 (replacement: gpt-6-luna).
        llm("gpt-4.1", 1_047_576, 32_768, vision=True, retires_on=JAN_14),
        llm("gpt-4.1-mini", 1_047_576, 32_768, vision=True, retires_on=JAN_14),
        llm("gpt-4o", 128_000, 16_384, vision=True, retires_on=JAN_14),
        llm("gpt-4o-mini", 128_000, 16_384, vision=True, retires_on=JAN_14),
        # Embedding input limits: 8,191 tokens (OpenAI's documentation).
        embedding("text-embedding-3-small", 8_191),
        embedding("text-embedding-3-large", 8_191),
        embedding("text-embedding-ada-002", 8_191),
        stt("whisper-1"),
        stt("gpt-4o-transcribe", streaming=True),
        stt("gpt-4o-mini-transcribe", streaming=True),
    ),
    models_source="https://developers.openai.com/api/docs/models",
    price_source="https://developers.openai.com/api/docs/pricing",
    checked=date(2026, 12, 2),
    genai_prices_id="openai",
    description=_("GPT, o-series, embedding and Whisper models from OpenAI."),
    quirks=Quirks(max_tokens_param="max_completion_tokens", thinking_style="reasoning_effort"),
)
