"""ERNIE on Baidu Qianfan, v2 inference API (https://cloud.baidu.com/doc/WENXINWORKSHOP/s/2m3fihw8s).

The v2 API follows OpenAI's auth and body shape. Base URL and key format (``bce-v3/...``): checked 2026-12-01
against that page.

Checked 2026-12-02: Qianfan's model list could not be read, so the models below are as before and UNVERIFIED
(ERNIE 5.0 / 5.1 are reported but not confirmed); no price is recorded.
"""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext_lazy as _

from . import fields
from .shapes import LLM, llm
from .types import ParameterRule, Protocol, ProviderSpec

SPEC = ProviderSpec(
    slug="ernie",
    name=_("ERNIE (Baidu Qianfan)"),
    protocol=Protocol.OPENAI_COMPATIBLE,
    default_base_url="https://qianfan.baidubce.com/v2",
    credential_fields=(
        fields.api_key(
            _("Create one in the Qianfan console (console.bce.baidu.com/qianfan > API Key); begins bce-v3/."),
        ),
        fields.base_url("https://qianfan.baidubce.com/v2"),
    ),
    model_types=(LLM,),
    models=(
        # UNVERIFIED: model list, context windows and max output (vendor pages).
        llm("ernie-4.5-turbo-128k", 131_072, 12_288),
        llm("ernie-4.5-turbo-32k", 32_768, 12_288),
        llm("ernie-4.5-turbo-vl-32k", 32_768, 12_288, vision=True, tool_call=False),
        llm("ernie-x1-turbo-32k", 32_768, 16_384, json_mode=False),
    ),
    models_source="https://cloud.baidu.com/doc/WENXINWORKSHOP/s/2m3fihw8s",
    checked=date(2026, 12, 2),
    description=_("Baidu's ERNIE models through Qianfan's OpenAI-compatible v2 API."),
    temperature=ParameterRule(0.01, 1.0, 0.8),  # the provider documents a 0-1 range
)
