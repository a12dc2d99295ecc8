"""BentoML OpenLLM, self-hosted, OpenAI-compatible (https://github.com/bentoml/OpenLLM)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from . import fields
from .shapes import LLM
from .types import Protocol, ProviderSpec

SPEC = ProviderSpec(
    slug="openllm",
    name=_("OpenLLM"),
    protocol=Protocol.OPENAI_COMPATIBLE,
    per_server_models=True,
    self_hosted=True,
    default_base_url="",
    credential_fields=(
        fields.server_url(_("The server's OpenAI-compatible endpoint, including /v1, e.g. http://127.0.0.1:3000/v1.")),
        fields.optional_server_key(),
    ),
    model_types=(LLM,),
    description=_("Self-hosted BentoML OpenLLM server."),
    custom_models=True,
)
