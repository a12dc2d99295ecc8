"""The built-in provider catalog, declared in code: one module per vendor, each declaring ``SPEC``.

Facts (base URLs, auth, quirks, model names, context windows) come from each vendor's documentation, linked at the
top of its module (as of Aug 2026, unless a comment says "checked" with a date).

* ``max_output_tokens`` values come from the vendors' model pages and are UNVERIFIED unless a comment says
  otherwise. Anything else not confirmed is marked ``# UNVERIFIED``.
* Feature flags are conservative: a flag is True only where the vendor documents the feature.
* Providers with a ``region`` select leave ``base_url`` blank by default, so that the region picks the
  endpoint (``Quirks.region_base_urls``); a filled-in ``base_url`` wins over the region.

The database keeps only what admins own (``providers.models.Provider``) and reads the rest from here by slug.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from . import (
    anthropic,
    azure_openai,
    cohere,
    deepseek,
    doubao,
    ernie,
    gemini,
    huggingface,
    jina,
    kimi,
    minimax,
    ollama,
    openai,
    openai_compatible,
    openllm,
    qwen,
    replicate,
    spark,
    xinference,
    zhipu,
)
from .types import (
    CredentialField,
    FieldKind,
    ModelType,
    ParameterRule,
    PredefinedModel,
    Protocol,
    ProviderSpec,
)

# Display order.
CATALOG: tuple[ProviderSpec, ...] = tuple(
    vendor.SPEC
    for vendor in (
        openai,
        azure_openai,
        anthropic,
        qwen,
        doubao,
        kimi,
        ollama,
        deepseek,
        zhipu,
        minimax,
        spark,
        ernie,
        gemini,
        huggingface,
        replicate,
        xinference,
        openllm,
        jina,
        cohere,
        openai_compatible,
    )
)
_BY_SLUG = {spec.slug: spec for spec in CATALOG}


def spec_get(slug: str) -> ProviderSpec:
    """The catalog entry of ``slug``; an unknown slug raises ``ImproperlyConfigured`` listing the known ones."""
    try:
        return _BY_SLUG[slug]
    except KeyError:
        known = ", ".join(repr(known) for known in _BY_SLUG)
        raise ImproperlyConfigured(
            f"{slug!r} is not a provider of ModelDesk's catalog. Valid slugs are: {known}."
        ) from None


def spec_known(slug: str) -> bool:
    return slug in _BY_SLUG


def removed_spec(slug: str) -> ProviderSpec:
    """What a database row whose slug has left the catalog reads instead of a catalog entry.

    It offers no credential fields and no model types, so that nothing can be configured or called through it
    (``calls.resolve`` also refuses such calls by name); its protocol is a placeholder that no call reaches.
    """
    return ProviderSpec(
        slug=slug,
        name=slug,
        protocol=Protocol.OPENAI_COMPATIBLE,
        default_base_url="",
        credential_fields=(),
        model_types=(),
        description=_(
            "This provider is no longer in ModelDesk's catalog. Its credentials and models are kept, "
            "but it cannot be enabled or called."
        ),
    )


def spec_slugs_named(term: str) -> list[str]:
    """Slugs of the entries whose name, in any of the interface's languages, contains ``term`` (any case)."""
    needle = term.casefold()
    names: dict[str, list[str]] = {spec.slug: [] for spec in CATALOG}
    for language, _language_name in settings.LANGUAGES:
        with translation.override(language):
            for spec in CATALOG:
                names[spec.slug].append(str(spec.name).casefold())
    return [slug for slug, texts in names.items() if any(needle in text for text in texts)]


__all__ = [
    "CATALOG",
    "CredentialField",
    "FieldKind",
    "ModelType",
    "ParameterRule",
    "PredefinedModel",
    "Protocol",
    "ProviderSpec",
    "removed_spec",
    "spec_get",
    "spec_known",
    "spec_slugs_named",
]
