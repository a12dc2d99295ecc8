"""DeepSeek (https://api-docs.deepseek.com/).

The legacy aliases deepseek-chat / deepseek-reasoner were retired on 2026-07-24. Streams carry SSE keep-alive
comments and ``reasoning_content`` deltas, which the OpenAI adapter handles for every provider.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from . import fields
from .shapes import LLM, llm
from .types import Protocol, ProviderSpec

SPEC = ProviderSpec(
    slug="deepseek",
    name=_("DeepSeek"),
    protocol=Protocol.OPENAI_COMPATIBLE,
    default_base_url="https://api.deepseek.com",
    credential_fields=(
        fields.api_key(_("Create one at platform.deepseek.com/api_keys.")),
        fields.base_url("https://api.deepseek.com"),
    ),
    model_types=(LLM,),
    models=(
        # Documented as "1M context, up to 384K output"; exact token counts UNVERIFIED.
        llm("deepseek-v4-pro", 1_048_576, 393_216),
        llm("deepseek-v4-flash", 1_048_576, 393_216),
    ),
    description=_("DeepSeek's V4 models."),
)
