"""Replicate's HTTP API (https://replicate.com/docs/reference/http). Models are added by owner/name."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from . import fields
from .shapes import LLM
from .types import Protocol, ProviderSpec

SPEC = ProviderSpec(
    slug="replicate",
    name=_("Replicate"),
    protocol=Protocol.REPLICATE,
    default_base_url="https://api.replicate.com/v1",
    credential_fields=(
        fields.api_key(
            _("Create one at replicate.com/account/api-tokens (starts with r8_)."),
            label=_("API token"),
        ),
        fields.base_url("https://api.replicate.com/v1"),
    ),
    model_types=(LLM,),
    description=_("Models hosted on Replicate, added by owner/name."),
    custom_models=True,
)
