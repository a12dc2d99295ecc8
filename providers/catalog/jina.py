"""Jina AI's reranker and embeddings APIs (https://jina.ai/reranker/).

Checked 2026-12-02: Jina's model pages could not be read, so the models below are as before and UNVERIFIED.
Jina bills by tokens from a prepaid balance; no per-model price is recorded.
"""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext_lazy as _

from . import fields
from .shapes import EMBEDDING, RERANK, embedding, rerank
from .types import Protocol, ProviderSpec

SPEC = ProviderSpec(
    slug="jina",
    name=_("Jina AI"),
    protocol=Protocol.JINA,
    default_base_url="https://api.jina.ai/v1",
    credential_fields=(
        fields.api_key(_("Get one at jina.ai (API key & billing); starts with jina_.")),
        fields.base_url("https://api.jina.ai/v1"),
    ),
    model_types=(RERANK, EMBEDDING),
    models=(
        rerank("jina-reranker-v2-base-multilingual", 8_192),  # UNVERIFIED: context (Dify default 8192)
        embedding("jina-embeddings-v3", 8_192),
    ),
    models_source="https://jina.ai/reranker/",
    checked=date(2026, 12, 2),
    description=_("Jina AI's reranker and embedding models."),
)
