"""Hugging Face Inference Providers, through its OpenAI-compatible router (https://huggingface.co/docs/inference-providers/index).

Model ids are Hub repo ids, optionally suffixed ``:provider``. The router's base URL and the suffix: checked
2026-12-01 against https://huggingface.co/changelog/inference-providers-openai-compatible.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from . import fields
from .shapes import LLM
from .types import Protocol, ProviderSpec

SPEC = ProviderSpec(
    slug="huggingface",
    name=_("Hugging Face"),
    protocol=Protocol.OPENAI_COMPATIBLE,
    per_server_models=True,
    default_base_url="https://router.huggingface.co/v1",
    credential_fields=(
        fields.api_key(
            _("A token from huggingface.co/settings/tokens allowed to call Inference Providers (hf_...)."),
            label=_("Access token"),
        ),
        fields.base_url("https://router.huggingface.co/v1"),
    ),
    model_types=(LLM,),
    description=_("Open models on Hugging Face Inference Providers."),
    custom_models=True,
)
