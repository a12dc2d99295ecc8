"""Cohere Rerank v2 (https://docs.cohere.com/reference/rerank).

The base URL has no version; rerank is ``POST /v2/rerank``, the path the Cohere adapter sends to.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from . import fields
from .shapes import RERANK, rerank
from .types import Protocol, ProviderSpec

SPEC = ProviderSpec(
    slug="cohere",
    name=_("Cohere"),
    protocol=Protocol.COHERE,
    default_base_url="https://api.cohere.com",
    credential_fields=(
        fields.api_key(_("Create one at dashboard.cohere.com/api-keys.")),
        fields.base_url("https://api.cohere.com"),
    ),
    model_types=(RERANK,),
    models=(
        rerank("rerank-v3.5", 4_096),  # context = max_tokens_per_doc default
        rerank("rerank-multilingual-v3.0", 4_096),  # UNVERIFIED: still served on v2
        rerank("rerank-english-v3.0", 4_096),  # UNVERIFIED: still served on v2
    ),
    description=_("Cohere's Rerank models."),
)
