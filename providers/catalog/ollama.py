"""Ollama's native API (https://github.com/ollama/ollama/blob/main/docs/api.md).

Models are whatever the server has pulled.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from . import fields
from .shapes import EMBEDDING, LLM
from .types import Protocol, ProviderSpec

SPEC = ProviderSpec(
    slug="ollama",
    name=_("Ollama"),
    protocol=Protocol.OLLAMA,
    per_server_models=True,
    self_hosted=True,
    default_base_url="http://127.0.0.1:11434",
    credential_fields=(
        fields.base_url(
            "http://127.0.0.1:11434",
            required=True,
            label=_("Server URL"),
            help=_("The Ollama server, without /v1 or /api, e.g. http://127.0.0.1:11434 or https://ollama.com."),
        ),
        fields.api_key(
            _("Only for ollama.com cloud (ollama.com/settings/keys). Local servers need no key."),
            required=False,
        ),
    ),
    model_types=(LLM, EMBEDDING),
    description=_("Local or ollama.com models through Ollama's native API."),
    custom_models=True,
)
