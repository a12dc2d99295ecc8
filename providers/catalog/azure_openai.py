"""Azure OpenAI (https://learn.microsoft.com/azure/ai-services/openai/reference).

Models are deployments: the ``deployment`` field or the model name picks one. The first chunk of a stream has
empty ``choices`` (its ``prompt_filter_results``); the OpenAI adapter skips such chunks for every provider.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import fields
from .shapes import EMBEDDING, LLM, STT, embedding, llm, stt
from .types import CredentialField, Protocol, ProviderSpec

SPEC = ProviderSpec(
    slug="azure_openai",
    name=_("Azure OpenAI"),
    protocol=Protocol.AZURE_OPENAI,
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
            default="2024-10-21",
            help=_("Data-plane api-version query parameter. 2024-10-21 is the latest GA version."),
        ),
        CredentialField(
            name="deployment",
            label=_("Deployment name"),
            help=_("Blank = use the model name as the deployment name."),
        ),
    ),
    model_types=(LLM, EMBEDDING, STT),
    models=(
        llm("gpt-4.1", 1_047_576, 32_768, vision=True),
        llm("gpt-4.1-mini", 1_047_576, 32_768, vision=True),
        llm("gpt-4o", 128_000, 16_384, vision=True),
        llm("gpt-4o-mini", 128_000, 16_384, vision=True),
        embedding("text-embedding-3-small", 8_191),
        embedding("text-embedding-3-large", 8_191),
        stt("whisper-1"),
    ),
    description=_("OpenAI models deployed in your own Azure resource."),
    # Deployment names are chosen by the admin, so models are also added one by one.
    custom_models=True,
)
