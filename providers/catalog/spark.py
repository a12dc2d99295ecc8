"""iFlytek Spark's OpenAI-compatible HTTP API (https://www.xfyun.cn/doc/spark/HTTP%E8%B0%83%E7%94%A8%E6%96%87%E6%A1%A3.html).

The endpoint (``/v1/chat/completions`` under the default base URL) and the auth (``Authorization: Bearer`` with the
app's APIPassword): checked 2026-12-01 against that page.

Checked 2026-12-02: the model list could not be confirmed against iFlytek's pages, so the models below are as
before and UNVERIFIED; no price is recorded (genai-prices has none and the price page could not be read).
"""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext_lazy as _

from . import fields
from .shapes import LLM, llm
from .types import ParameterRule, Protocol, ProviderSpec

SPEC = ProviderSpec(
    slug="spark",
    name=_("iFlytek Spark"),
    protocol=Protocol.OPENAI_COMPATIBLE,
    default_base_url="https://spark-api-open.xf-yun.com/v1",
    credential_fields=(
        fields.api_key(
            _("The APIPassword of your app's HTTP service (console.xfyun.cn > your app > the Spark version)."),
            label=_("API password"),
        ),
        fields.base_url("https://spark-api-open.xf-yun.com/v1"),
    ),
    model_types=(LLM,),
    models=(
        # Model ids are Spark's version names. UNVERIFIED: context windows and max output.
        llm("4.0Ultra", 8_192, 8_192, display_name="Spark 4.0 Ultra", json_mode=False),
        llm("generalv3.5", 8_192, 8_192, display_name="Spark Max", json_mode=False),
        llm("max-32k", 32_768, 8_192, display_name="Spark Max-32K", json_mode=False),
        llm("generalv3", 8_192, 8_192, display_name="Spark Pro", tool_call=False, json_mode=False),
        llm("pro-128k", 131_072, 4_096, display_name="Spark Pro-128K", tool_call=False, json_mode=False),
        llm("lite", 8_192, 4_096, display_name="Spark Lite", tool_call=False, json_mode=False),
    ),
    models_source="https://www.xfyun.cn/doc/spark/HTTP%E8%B0%83%E7%94%A8%E6%96%87%E6%A1%A3.html",
    checked=date(2026, 12, 2),
    description=_("iFlytek's Spark models through their OpenAI-compatible HTTP API."),
    temperature=ParameterRule(0.01, 1.0, 0.5),  # the provider documents a 0-1 range
)
