"""Any server that speaks the OpenAI API (https://platform.openai.com/docs/api-reference): vLLM, LM Studio, ..."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from . import fields
from .shapes import ALL_MODEL_TYPES
from .types import Protocol, ProviderSpec

SPEC = ProviderSpec(
    slug="openai_compatible",
    name=_("OpenAI-compatible"),
    protocol=Protocol.OPENAI_COMPATIBLE,
    per_server_models=True,
    self_hosted=True,
    default_base_url="",
    credential_fields=(
        fields.server_url(_("The server's OpenAI-compatible endpoint, including /v1, e.g. http://127.0.0.1:8000/v1.")),
        fields.api_key(_("Whatever key the server expects; leave blank if it needs none."), required=False),
    ),
    model_types=ALL_MODEL_TYPES,
    description=_("Any server that speaks the OpenAI API: vLLM, LM Studio, LocalAI, gateways."),
    custom_models=True,
)
