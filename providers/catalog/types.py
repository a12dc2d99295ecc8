"""The shapes of the built-in provider catalog.

The catalog is plain, frozen data declared in code (``providers.catalog.entries``). ``load_providers`` copies it
into the database; nothing else reads these classes at request time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.utils.translation import get_language


class ModelType(StrEnum):
    LLM = "llm"
    TEXT_EMBEDDING = "text-embedding"
    RERANK = "rerank"
    SPEECH2TEXT = "speech2text"


class Protocol(StrEnum):
    """The wire protocol an adapter speaks. One adapter per protocol (providers/adapters/)."""

    OPENAI_COMPATIBLE = "openai_compatible"
    AZURE_OPENAI = "azure_openai"
    ANTHROPIC = "anthropic"
    OLLAMA = "ollama"
    JINA = "jina"
    COHERE = "cohere"
    REPLICATE = "replicate"


class FieldKind(StrEnum):
    TEXT = "text"
    URL = "url"
    SELECT = "select"


@dataclass(frozen=True)
class CredentialField:
    """One input of a provider's credential form.

    Canonical names are shared across providers so that adapters read the same keys: ``api_key``,
    ``base_url``, ``api_version``, ``organization``, ``project``, ``region``, ``deployment``.
    """

    name: str
    label_en: str
    label_zh: str
    secret: bool = False
    required: bool = False
    kind: FieldKind = FieldKind.TEXT
    default: str = ""
    help_en: str = ""
    help_zh: str = ""
    choices: tuple[tuple[str, str], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label_en": self.label_en,
            "label_zh": self.label_zh,
            "secret": self.secret,
            "required": self.required,
            "kind": str(self.kind),
            "default": self.default,
            "help_en": self.help_en,
            "help_zh": self.help_zh,
            "choices": [list(choice) for choice in self.choices],
        }


@dataclass(frozen=True)
class ParameterRule:
    minimum: float
    maximum: float
    default: float


@dataclass(frozen=True)
class PredefinedModel:
    name: str
    model_type: ModelType = ModelType.LLM
    display_name: str = ""
    context_window: int | None = None
    max_output_tokens: int | None = None
    vision: bool = False
    tool_call: bool = False
    json_mode: bool = False
    streaming: bool = True
    # None means "use the provider's rule"; only llm models use parameter rules.
    temperature: ParameterRule | None = None
    top_p: ParameterRule | None = None


@dataclass(frozen=True)
class ProviderSpec:
    slug: str
    name_en: str
    name_zh: str
    protocol: Protocol
    default_base_url: str
    credential_fields: tuple[CredentialField, ...]
    model_types: tuple[ModelType, ...]
    models: tuple[PredefinedModel, ...] = ()
    description_en: str = ""
    description_zh: str = ""
    # Hosted/self-hosted providers whose models admins add one by one (huggingface, replicate, xinference ...).
    custom_models: bool = False
    temperature: ParameterRule = ParameterRule(0.0, 2.0, 1.0)
    top_p: ParameterRule = ParameterRule(0.0, 1.0, 1.0)
    # Wire-format quirks as data, read by the adapters (see ../shared/provider-wire-formats.md).
    quirks: Mapping[str, Any] = field(default_factory=dict)


FieldSpec = dict[str, Any]


def localized(spec: FieldSpec, key: str) -> str:
    """``label`` or ``help`` in the active language, falling back to English."""
    language = (get_language() or "en").lower()
    if language.startswith("zh") and spec.get(f"{key}_zh"):
        return str(spec[f"{key}_zh"])
    return str(spec.get(f"{key}_en", ""))
