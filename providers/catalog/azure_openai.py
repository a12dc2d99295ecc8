"""Azure OpenAI (https://learn.microsoft.com/azure/ai-foundry/openai/reference, checked 2026-12-02).

Models are deployments. The ``deployments`` field maps model names to deployment names, one ``model=deployment``
per line; the ``deployment`` field is the default deployment for chats whose model is not mapped; any other model
name is used as the deployment name (``AzureOpenAIAdapter`` documents the order). Discovery lists these
deployments, since no data-plane API lists them.

API version ``v1`` (the default) is the GA v1 API, the one GA surface that serves reasoning deployments (o-series,
GPT-5); a dated version (2024-10-21 is the last dated GA) uses the deployment routes. Reasoning deployments take
``max_completion_tokens``: the adapter sends it for o1/o3/o4/gpt-5 model or deployment names, and discovery records
it on the models it lists. The first chunk of a stream has empty ``choices`` (its ``prompt_filter_results``); the
OpenAI adapter skips such chunks for every provider.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from wire.adapters.azure import parse_deployments
from wire.quirks import Quirks

from . import fields
from .shapes import EMBEDDING, FIXED_TEMPERATURE, LLM, STT, embedding, llm, stt
from .types import CredentialField, FieldKind, Protocol, ProviderSpec

REASONING: dict[str, Any] = {
    "max_tokens_param": "max_completion_tokens",
    "temperature": FIXED_TEMPERATURE,
    "reasoning": True,
}

SPEC = ProviderSpec(
    slug="azure_openai",
    name=_("Azure OpenAI"),
    protocol=Protocol.AZURE_OPENAI,
    per_server_models=True,
    default_base_url="",
    credential_fields=(
        fields.base_url(
            "",
            required=True,
            label=pgettext_lazy("Azure OpenAI credential field", "Endpoint"),  # Azure's own term, 终结点
            help=_(
                "Your resource endpoint, https://{resource}.openai.azure.com "
                "(Azure portal > your Azure OpenAI resource > Keys and Endpoint)."
            ),
        ),
        fields.api_key(
            _("KEY 1 or KEY 2 from the resource's Keys and Endpoint page; sent as the api-key header."),
        ),
        CredentialField(
            name="api_version",
            label=_("API version"),
            required=True,
            default="v1",
            help=_(
                "v1 = the GA v1 API (/openai/v1/, no api-version), needed for reasoning deployments (o-series, "
                "GPT-5). A dated version such as 2024-10-21 uses the older /openai/deployments/ routes."
            ),
        ),
        CredentialField(
            name="deployments",
            label=_("Deployments"),
            kind=FieldKind.LINES,
            parse=parse_deployments,
            help=_(
                "One model=deployment per line, e.g. gpt-4o=prod-gpt4o. A model not listed here uses its own name "
                "as the deployment name."
            ),
        ),
        CredentialField(
            name="deployment",
            label=_("Default chat deployment"),
            help=_("Optional. Serves chats whose model is not listed under Deployments; never embeddings or audio."),
        ),
    ),
    model_types=(LLM, EMBEDDING, STT),
    models=(
        # Reasoning models: max_completion_tokens, temperature fixed at its default (as on OpenAI).
        llm("gpt-5.5", 1_050_000, 128_000, vision=True, **REASONING),
        llm("gpt-5.1", 400_000, 128_000, vision=True, **REASONING),
        llm("gpt-5", 400_000, 128_000, vision=True, **REASONING),
        llm("gpt-5-mini", 400_000, 128_000, vision=True, **REASONING),
        llm("gpt-4.1", 1_047_576, 32_768, vision=True),
        llm("gpt-4.1-mini", 1_047_576, 32_768, vision=True),
        llm("gpt-4o", 128_000, 16_384, vision=True),
        llm("gpt-4o-mini", 128_000, 16_384, vision=True),
        llm("o4-mini", 200_000, 100_000, vision=True, **REASONING),
        embedding("text-embedding-3-small", 8_191),
        embedding("text-embedding-3-large", 8_191),
        stt("whisper-1"),
    ),
    description=_("OpenAI models deployed in your own Azure resource."),
    models_source="https://learn.microsoft.com/azure/ai-foundry/openai/concepts/models",
    price_source="https://azure.microsoft.com/pricing/details/cognitive-services/openai-service/",
    checked=date(2026, 12, 2),
    genai_prices_id="azure",
    # Deployment names are chosen by the admin, so models are also added one by one.
    custom_models=True,
    # reasoning_effort for o-series and GPT-5 deployments (https://learn.microsoft.com/azure/ai-foundry/openai/how-to/
    # reasoning, checked 2026-12-02).
    quirks=Quirks(thinking_style="reasoning_effort"),
)
