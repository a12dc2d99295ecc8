"""ERNIE on Baidu Qianfan, v2 inference API (https://cloud.baidu.com/doc/WENXINWORKSHOP/s/2m3fihw8s).

The v2 API follows OpenAI's auth and body shape. Base URL and key format (``bce-v3/...``): checked 2026-12-01
against that page.
"""

from __future__ import annotations

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
    description=_("Baidu's ERNIE models through Qianfan's OpenAI-compatible v2 API."),
    temperature=ParameterRule(0.01, 1.0, 0.8),  # the provider documents a 0-1 range
)
