"""Xorbits Inference, self-hosted, OpenAI-compatible (https://inference.readthedocs.io/).

``model`` is the UID of a launched model. Rerank is served at ``{base}/rerank`` (the OpenAI adapter's default
path). Reasoning arrives as ``reasoning_content`` deltas and errors as ``{"detail": ...}``, both read for every
provider (``wire/adapters/``).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from . import fields
from .shapes import ALL_MODEL_TYPES
from .types import Protocol, ProviderSpec

SPEC = ProviderSpec(
    slug="xinference",
    name=_("Xinference"),
    protocol=Protocol.OPENAI_COMPATIBLE,
    per_server_models=True,
    self_hosted=True,
    default_base_url="",
    credential_fields=(
        fields.server_url(_("The server's OpenAI-compatible endpoint, including /v1, e.g. http://127.0.0.1:9997/v1.")),
        fields.optional_server_key(),
    ),
    model_types=ALL_MODEL_TYPES,
    description=_("Self-hosted Xorbits Inference server; models are added by their model UID."),
    custom_models=True,
)
