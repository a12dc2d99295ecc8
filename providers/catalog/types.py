"""The shapes of the built-in provider catalog.

The catalog is plain, frozen data declared in code, one module per vendor. The database keeps only what admins
own (``providers.models.Provider``); everything else is read from here at request time. Names, descriptions,
labels and help texts are ``gettext_lazy`` strings: ``str()`` gives them in the active language.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from django.utils import translation
from django.utils.functional import Promise

from wire.quirks import Quirks

# A translatable text: a ``gettext_lazy`` string, or a plain one where there is nothing to translate.
Text = str | Promise


class ModelType(StrEnum):
    LLM = "llm"
    TEXT_EMBEDDING = "text-embedding"
    RERANK = "rerank"
    SPEECH2TEXT = "speech2text"


class Protocol(StrEnum):
    """The wire protocol an adapter speaks. One adapter per protocol (``wire/adapters/``)."""

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
    LINES = "lines"  # several lines of text (a mapping, one entry per line)


@dataclass(frozen=True)
class CredentialField:
    """One input of a provider's credential form.

    Canonical names are shared across providers so that adapters read the same keys: ``api_key``,
    ``base_url``, ``api_version``, ``organization``, ``project``, ``region``, ``deployment``, ``deployments``.
    """

    name: str
    label: Text
    secret: bool = False
    required: bool = False
    kind: FieldKind = FieldKind.TEXT
    default: str = ""
    help: Text = ""
    choices: tuple[tuple[str, str], ...] = ()
    # Checks a value on save with the parser its adapter uses at call time; raises ``ConfigurationError``.
    parse: Callable[[str], object] | None = None


@dataclass(frozen=True)
class ParameterRule:
    minimum: float
    maximum: float
    default: float


@dataclass(frozen=True)
class Price:
    """What a model costs per 1M tokens, in ``currency`` (ISO 4217: USD, CNY). ``cached_input``: prompt-cache reads.

    Where the price comes from is the provider's ``ProviderSpec.price_source`` (checked on ``checked``).
    """

    input: Decimal
    output: Decimal
    cached_input: Decimal | None = None
    currency: str = "USD"

    def __post_init__(self) -> None:
        for name in ("input", "output", "cached_input"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, Decimal):
                object.__setattr__(self, name, Decimal(str(value)))


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
    # Parameter rules the model's API enforces (a request that breaks one is refused before it is sent).
    accepts_temperature: bool = True  # False: the API rejects any temperature (Claude Opus 4.7+)
    accepts_top_p: bool = True
    temperature_or_top_p: bool = False  # the API rejects both together (Claude Sonnet 4.5+, Opus 4.1+)
    max_tokens_param: str = ""  # the body field for the token limit, when not the provider's
    reasoning: bool = False  # a reasoning model: thinking can be controlled (``Thinking``)
    # None: genai-prices' price for this provider and model, when it has one.
    price: Price | None = None
    # The provider's announced shutdown date; the model is disabled on the first catalog load after it.
    retires_on: date | None = None


@dataclass(frozen=True)
class ProviderSpec:
    slug: str
    name: Text
    protocol: Protocol
    default_base_url: str
    credential_fields: tuple[CredentialField, ...]
    model_types: tuple[ModelType, ...]
    models: tuple[PredefinedModel, ...] = ()
    description: Text = ""
    # Hosted/self-hosted providers whose models admins add one by one (huggingface, replicate, xinference ...).
    custom_models: bool = False
    temperature: ParameterRule = ParameterRule(0.0, 2.0, 1.0)
    top_p: ParameterRule = ParameterRule(0.0, 1.0, 1.0)
    # Wire-format quirks, read by the adapters (``wire/quirks.py`` documents each one).
    quirks: Quirks = field(default_factory=Quirks)
    # Every credential is its own server (self-hosted, Azure deployments): discovered and custom models belong
    # to the credential that found them, not to every credential of the provider.
    per_server_models: bool = False
    # A server the team runs itself, often one request at a time: a timed-out attempt is not retried there.
    self_hosted: bool = False
    # Where the predefined models (and their prices) were read, and when.
    models_source: str = ""
    price_source: str = ""
    checked: date | None = None
    # genai-prices' provider id, where it covers this provider (prices of models without a catalog ``price``).
    genai_prices_id: str = ""

    @property
    def english_name(self) -> str:
        """The name in English, for log lines and error messages (which ModelDesk writes in English)."""
        with translation.override("en"):
            return str(self.name)
