"""The adapter registry: one adapter per wire protocol, imported lazily by dotted path."""

from __future__ import annotations

from functools import cache

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from wire.adapters.base import Adapter
from wire.types import Target

REGISTRY: dict[str, str] = {
    "openai_compatible": "wire.adapters.openai_compatible.OpenAICompatibleAdapter",
    "azure_openai": "wire.adapters.azure.AzureOpenAIAdapter",
    "anthropic": "wire.adapters.anthropic.AnthropicAdapter",
    "ollama": "wire.adapters.ollama.OllamaAdapter",
    "jina": "wire.adapters.rerank.JinaAdapter",
    "cohere": "wire.adapters.rerank.CohereAdapter",
    "replicate": "wire.adapters.replicate.ReplicateAdapter",
}


@cache
def adapter_class(protocol: str) -> type[Adapter]:
    try:
        adapter: type[Adapter] = import_string(REGISTRY[protocol])
        return adapter
    except KeyError:
        valid = ", ".join(sorted(REGISTRY))
        raise ImproperlyConfigured(
            f"No adapter is registered for protocol {protocol!r}. The registered protocols are: {valid}."
        ) from None


def adapter_for(protocol: str, target: Target) -> Adapter:
    return adapter_class(protocol)(target)
