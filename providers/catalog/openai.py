"""OpenAI (https://platform.openai.com/docs/api-reference).

Context windows from OpenAI's documentation; max output from its model pages (https://platform.openai.com/docs/models,
UNVERIFIED).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from wire.quirks import Quirks

from . import fields
from .shapes import EMBEDDING, FIXED_TEMPERATURE, LLM, STT, embedding, llm, stt
from .types import CredentialField, Protocol, ProviderSpec

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
        llm("gpt-5.5", 1_050_000, 128_000, vision=True),  # UNVERIFIED: max output
        llm("gpt-5", 400_000, 128_000, vision=True, temperature=FIXED_TEMPERATURE),
        llm("gpt-5-mini", 400_000, 128_000, vision=True, temperature=FIXED_TEMPERATURE),
        llm("gpt-4.1", 1_047_576, 32_768, vision=True),
        llm("gpt-4.1-mini", 1_047_576, 32_768, vision=True),
        llm("gpt-4o", 128_000, 16_384, vision=True),
        llm("gpt-4o-mini", 128_000, 16_384, vision=True),
        llm("o3", 200_000, 100_000, vision=True, temperature=FIXED_TEMPERATURE),
        # Embedding input limits: 8,191 tokens (OpenAI's documentation).
        embedding("text-embedding-3-small", 8_191),
        embedding("text-embedding-3-large", 8_191),
        embedding("text-embedding-ada-002", 8_191),
        stt("whisper-1"),
        stt("gpt-4o-transcribe", streaming=True),
        stt("gpt-4o-mini-transcribe", streaming=True),
    ),
    description=_("GPT, o-series, embedding and Whisper models from OpenAI."),
    quirks=Quirks(max_tokens_param="max_completion_tokens"),
)
