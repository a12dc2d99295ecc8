"""DeepSeek (https://api-docs.deepseek.com/).

Models and prices checked 2026-12-02 against https://api-docs.deepseek.com/zh-cn/quick_start/pricing: the model
names are deepseek-flash (DeepSeek-V4.1-Flash, image input) and deepseek-v4-pro, both with a 1M context, up to 384K
output and switchable thinking. The old name deepseek-v4-flash is still accepted and served by V4.1-Flash at the
Flash price. The page prices in CNY with an off-peak half price; the catalog uses genai-prices' USD prices
(provider id ``deepseek``). Streams carry SSE keep-alive comments and ``reasoning_content`` deltas, which the OpenAI
adapter handles for every provider.
"""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext_lazy as _

from wire.quirks import Quirks

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
        llm("deepseek-flash", 1_048_576, 393_216, vision=True, reasoning=True),
        llm("deepseek-v4-pro", 1_048_576, 393_216, reasoning=True),
        # Legacy name, answered by deepseek-flash's model.
        llm("deepseek-v4-flash", 1_048_576, 393_216, vision=True, reasoning=True),
    ),
    models_source="https://api-docs.deepseek.com/zh-cn/quick_start/pricing",
    price_source="https://api-docs.deepseek.com/zh-cn/quick_start/pricing",
    checked=date(2026, 12, 2),
    genai_prices_id="deepseek",
    description=_("DeepSeek's V4 models."),
    # thinking: {"type": "enabled"|"disabled"} and reasoning_effort (https://api-docs.deepseek.com/guides/thinking_mode,
    # checked 2026-12-02).
    quirks=Quirks(thinking_style="thinking_type_effort"),
)
