"""Cohere Rerank v2 and Embed v2 (https://docs.cohere.com/reference/rerank, https://docs.cohere.com/reference/embed).

Models checked 2026-12-02 against https://docs.cohere.com/docs/rerank and https://docs.cohere.com/docs/cohere-embed.
Cohere bills Rerank per search unit (one query with up to 100 documents) and publishes no per-token price for it or
for the Embed v3 models; embed-v4.0's price is genai-prices' (provider id ``cohere``). The base URL has no version;
rerank is ``POST /v2/rerank`` and embeddings ``POST /v2/embed``, the paths the Cohere adapter sends to.
"""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext_lazy as _

from . import fields
from .shapes import EMBEDDING, RERANK, embedding, rerank
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
    model_types=(RERANK, EMBEDDING),
    models=(
        rerank("rerank-v4.0-pro", 32_768),
        rerank("rerank-v4.0-fast", 32_768),
        rerank("rerank-v3.5", 4_096),
        rerank("rerank-multilingual-v3.0", 4_096),
        rerank("rerank-english-v3.0", 4_096),
        embedding("embed-v4.0", 128_000),
        embedding("embed-multilingual-v3.0", 512),
        embedding("embed-english-v3.0", 512),
    ),
    models_source="https://docs.cohere.com/docs/rerank",
    checked=date(2026, 12, 2),
    genai_prices_id="cohere",
    description=_("Cohere's Rerank models."),
)
