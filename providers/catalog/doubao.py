"""Doubao on Volcengine Ark (https://www.volcengine.com/docs/82379).

``model`` is a model ID or an ``ep-...`` inference endpoint ID created in the Ark console. The model list is
served at ``{base}/models``, as OpenAI's is.

Checked 2026-12-02: Ark's model list (https://www.volcengine.com/docs/82379/1330310) and price page
(https://www.volcengine.com/docs/82379/1544106) could not be read, so the models below are as before and
UNVERIFIED, and no price is recorded; the Seed 2.1 models (doubao-seed-2-1-*) are reported but not confirmed.
"""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext_lazy as _

from wire.quirks import Quirks

from . import fields
from .shapes import EMBEDDING, LLM, embedding, llm
from .types import Protocol, ProviderSpec

SPEC = ProviderSpec(
    slug="doubao",
    name=_("Doubao (Volcengine Ark)"),
    protocol=Protocol.OPENAI_COMPATIBLE,
    default_base_url="https://ark.cn-beijing.volces.com/api/v3",
    credential_fields=(
        fields.api_key(
            _("An API key from the Volcengine Ark console (console.volcengine.com/ark > API Key management)."),
        ),
        fields.base_url(
            "https://ark.cn-beijing.volces.com/api/v3",
            help=_("Keep the default unless you use a proxy. Do not append /v1: /api/v3 is the full prefix."),
        ),
    ),
    model_types=(LLM, EMBEDDING),
    models=(
        llm("doubao-seed-2-0-pro-260215", 262_144, 131_072, vision=True),  # UNVERIFIED: max output, vision
        llm("doubao-seed-2-0-lite-260215", 262_144, 131_072, vision=True),  # UNVERIFIED: all but the name
        llm("doubao-seed-2-0-mini-260215", 262_144, 131_072, vision=True),  # UNVERIFIED: max output, vision
        llm("doubao-seed-1-8-251228", 262_144, 65_536, vision=True),  # UNVERIFIED: documented as 256K
        llm("doubao-seed-1-6-251015", 262_144, 32_768, vision=True),  # UNVERIFIED: documented as 256K
        llm("doubao-seed-1-6-flash-250828", 262_144, 32_768, vision=True),  # UNVERIFIED: documented as 256K
        embedding("doubao-embedding-text-240715", 4_096),  # UNVERIFIED: name and context
    ),
    models_source="https://www.volcengine.com/docs/82379/1330310",
    checked=date(2026, 12, 2),
    description=_("ByteDance's Doubao models on Volcengine Ark."),
    # Admins add ep-... endpoint IDs one by one.
    custom_models=True,
    # thinking: {"type": "enabled"|"disabled"|"auto"}, checked 2026-12-02 on a reseller's copy of Ark's parameter
    # (https://www.compshare.cn/docs/modelverse/models/text_api/thinking/doubao); Ark's own page was not reachable.
    quirks=Quirks(thinking_style="thinking_type"),
)
