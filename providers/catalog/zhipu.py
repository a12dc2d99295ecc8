"""Zhipu GLM on BigModel / Z.ai (https://docs.bigmodel.cn/).

Models checked 2026-12-02 against https://docs.bigmodel.cn/cn/guide/start/model-overview; GLM-4.5 and later are
reasoning models (GLM-5.3 cannot turn thinking off). Prices are genai-prices' (provider id ``zhipuai``) where it has
the model; glm-4.6, glm-4-flash and embedding-3 have no price here (UNVERIFIED: BigModel's price page,
https://open.bigmodel.cn/pricing, was not readable). Errors carry string business codes, mapped in
``wire/adapters/errors.py``; reasoning arrives as ``reasoning_content`` deltas, which the OpenAI adapter reads for
every provider.
"""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext_lazy as _

from wire.quirks import Quirks

from . import fields
from .shapes import EMBEDDING, LLM, embedding, llm
from .types import ParameterRule, Protocol, ProviderSpec

SPEC = ProviderSpec(
    slug="zhipu",
    name=_("Zhipu GLM"),
    protocol=Protocol.OPENAI_COMPATIBLE,
    default_base_url="https://open.bigmodel.cn/api/paas/v4",
    credential_fields=(
        fields.api_key(_("Create one at bigmodel.cn (user center > API keys); for Z.ai use z.ai > API keys.")),
        fields.base_url(
            "https://open.bigmodel.cn/api/paas/v4",
            help=_("Keep the default for bigmodel.cn. For Z.ai (international) use https://api.z.ai/api/paas/v4."),
        ),
    ),
    model_types=(LLM, EMBEDDING),
    # Business codes: https://docs.bigmodel.cn/cn/faq/api-code (auth, model, context, rate limits and arrears).
    quirks=Quirks(
        error_codes={
            **dict.fromkeys(("1000", "1001", "1002", "1003", "1004"), "authentication"),
            "1211": "model_not_found",
            "1261": "context_too_long",
            "1113": "quota_exceeded",  # the account is in arrears (https://docs.z.ai/api-reference/api-code)
            **dict.fromkeys(("1302", "1303", "1305"), "rate_limited"),
        },
        # thinking: {"type": "enabled"|"disabled"}
        # (https://docs.z.ai/guides/capabilities/thinking-mode, checked 2026-12-02).
        thinking_style="thinking_type",
    ),
    models=(
        llm("glm-5.3", 1_048_576, 131_072, reasoning=True),
        llm("glm-5.3-flash", None, None, reasoning=True),  # UNVERIFIED: context and max output
        llm("glm-5.2", None, 131_072, reasoning=True),  # UNVERIFIED: context window
        llm("glm-5.1", 204_800, 131_072, reasoning=True),
        llm("glm-5", 204_800, 131_072, reasoning=True),
        llm("glm-4.7", 200_000, 131_072, reasoning=True),
        llm("glm-4.6", 200_000, 131_072, reasoning=True),
        llm("glm-4.5-air", 131_072, 98_304, reasoning=True),
        llm("glm-4-flash", 131_072, 16_384),
        llm("glm-4-long", 1_048_576, 4_096),
        embedding("embedding-3", 8_192),  # UNVERIFIED: context window
    ),
    models_source="https://docs.bigmodel.cn/cn/guide/start/model-overview",
    checked=date(2026, 12, 2),
    genai_prices_id="zhipuai",
    description=_("Zhipu AI's GLM models (BigModel / Z.ai)."),
    temperature=ParameterRule(0.0, 1.0, 0.75),  # the provider documents a 0-1 range
)
