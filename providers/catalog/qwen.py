# Region labels name each region in English and Chinese, with full-width punctuation on purpose.
# ruff: noqa: RUF001
"""Qwen on Alibaba Cloud Model Studio / DashScope, OpenAI-compatible mode (https://help.aliyun.com/zh/model-studio/).

Keys are region-specific; a key/region mismatch returns 401. Rerank answers may come in DashScope's native
envelope (``output.results``), which the shared rerank parser reads for every provider. Reasoning arrives as
``reasoning_content`` deltas (UNVERIFIED for DashScope), which the OpenAI adapter reads for every provider.

Models checked 2026-12-02 against https://help.aliyun.com/zh/model-studio/models (qwen3.7-max added; its limits
UNVERIFIED). Qwen3 commercial models are hybrid thinking models (``enable_thinking``). genai-prices has no DashScope
prices, and Model Studio's price page could not be read, so no price is recorded (UNVERIFIED).
"""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext_lazy as _

from wire.quirks import Quirks

from . import fields
from .shapes import EMBEDDING, LLM, RERANK, embedding, llm, rerank
from .types import Protocol, ProviderSpec

REGIONS: fields.Regions = {
    "cn-beijing": ("China (Beijing) · 华北2（北京）", "https://dashscope.aliyuncs.com/compatible-mode/v1"),
    "ap-southeast-1": ("Singapore · 新加坡", "https://dashscope-intl.aliyuncs.com/compatible-mode/v1"),
    "us-east-1": ("US (Virginia) · 美国（弗吉尼亚）", "https://dashscope-us.aliyuncs.com/compatible-mode/v1"),
    "cn-hongkong": (
        "China (Hong Kong) · 中国香港",
        "https://cn-hongkong.dashscope.aliyuncs.com/compatible-mode/v1",
    ),
}

SPEC = ProviderSpec(
    slug="qwen",
    name=_("Qwen (Alibaba Cloud DashScope)"),
    protocol=Protocol.OPENAI_COMPATIBLE,
    default_base_url=REGIONS["cn-beijing"][1],
    credential_fields=(
        fields.api_key(
            _(
                "Create one in Alibaba Cloud Model Studio (bailian.console.aliyun.com > API-KEY). "
                "Keys only work in the region they were created in."
            ),
        ),
        fields.region(REGIONS, "cn-beijing", _("The Model Studio region your API key belongs to.")),
        fields.region_base_url(),
    ),
    model_types=(LLM, EMBEDDING, RERANK),
    models=(
        llm("qwen3.7-max", None, None, reasoning=True),  # UNVERIFIED: context window and max output
        llm("qwen3-max", 262_144, 65_536, reasoning=True),
        llm("qwen3.6-plus", 1_000_000, 65_536, reasoning=True),
        llm("qwen-plus", 1_000_000, 32_768, reasoning=True),
        llm("qwen-flash", 1_000_000, 32_768, reasoning=True),
        llm("qwen-max", 32_768, 8_192),
        llm("qwen-long", 10_000_000, 32_768, tool_call=False),
        llm("qwen-vl-max", 131_072, 8_192, vision=True, tool_call=False),
        embedding("text-embedding-v4", 8_192),  # UNVERIFIED: context window
        rerank("qwen3-rerank"),
    ),
    models_source="https://help.aliyun.com/zh/model-studio/models",
    checked=date(2026, 12, 2),
    description=_("Alibaba Cloud's Qwen models through DashScope's OpenAI-compatible mode."),
    quirks=Quirks(
        region_base_urls=fields.region_base_urls(REGIONS),
        # Rerank lives under compatible-api, not compatible-mode, on the same host as the chat base URL.
        # Other regions' rerank hosts are UNVERIFIED; the same rewrite is applied to them.
        rerank_base_rewrite=("/compatible-mode/v1", "/compatible-api/v1"),
        rerank_path="reranks",
        # Open-source Qwen3 models default enable_thinking to true and reject non-streaming calls with it on.
        disable_thinking_when_not_streaming=True,
        # enable_thinking and thinking_budget (https://www.alibabacloud.com/help/en/model-studio/deep-thinking,
        # checked 2026-12-02).
        thinking_style="enable_thinking",
    ),
)
