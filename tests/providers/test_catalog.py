"""Invariants of the built-in provider catalog (plain data; no database)."""

from __future__ import annotations

from collections import Counter

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation

from providers.catalog import CATALOG, spec_get
from providers.catalog.types import CredentialField, FieldKind, ProviderSpec

REQUIRED_SLUGS = (
    "openai",
    "azure_openai",
    "anthropic",
    "qwen",
    "doubao",
    "kimi",
    "ollama",
    "deepseek",
    "zhipu",
    "minimax",
    "spark",
    "ernie",
    "gemini",
    "huggingface",
    "replicate",
    "xinference",
    "openllm",
    "jina",
    "cohere",
    "openai_compatible",
)
CANONICAL_FIELD_NAMES = {
    "api_key",
    "deployments",
    "base_url",
    "api_version",
    "organization",
    "project",
    "region",
    "deployment",
}

each_provider = pytest.mark.parametrize("spec", CATALOG, ids=lambda spec: spec.slug)


def _field(spec: ProviderSpec, name: str) -> CredentialField | None:
    return next((f for f in spec.credential_fields if f.name == name), None)


def _is_http_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def test_catalog_lists_the_required_slugs_in_order() -> None:
    """The catalog holds exactly the twenty required providers, in display order."""
    assert tuple(spec.slug for spec in CATALOG) == REQUIRED_SLUGS


def test_every_slug_is_unique() -> None:
    """No two providers share a slug."""
    duplicates = [slug for slug, count in Counter(spec.slug for spec in CATALOG).items() if count > 1]
    assert duplicates == []


def _in(language: str, text: object) -> str:
    with translation.override(language):
        return str(text)


def _chinese(text: object) -> bool:
    return any("\u4e00" <= character <= "\u9fff" for character in _in("zh-hans", text))


@each_provider
def test_every_provider_is_named_in_both_languages(spec: ProviderSpec) -> None:
    """Every provider has a name and a one-line description in English and, translated, in Chinese."""
    for text in (spec.name, spec.description):
        assert _in("en", text).strip() and _in("zh-hans", text).strip()
    assert _chinese(spec.description), spec.slug


@each_provider
def test_credential_field_names_are_unique_and_canonical(spec: ProviderSpec) -> None:
    """Within a provider each credential field name appears once and is one of the canonical names."""
    names = [f.name for f in spec.credential_fields]
    assert len(names) == len(set(names))
    assert set(names) <= CANONICAL_FIELD_NAMES


@each_provider
def test_every_provider_declares_an_api_key_or_base_url_field(spec: ProviderSpec) -> None:
    """Every provider declares an api_key or base_url field."""
    assert _field(spec, "api_key") or _field(spec, "base_url")


@each_provider
def test_every_provider_has_a_reachable_base_url(spec: ProviderSpec) -> None:
    """A provider either requires a base_url from the admin or ships an http(s) default base URL."""
    base_url = _field(spec, "base_url")
    assert (base_url is not None and base_url.required) or _is_http_url(spec.default_base_url)


@each_provider
def test_base_urls_are_http_urls_without_trailing_slash(spec: ProviderSpec) -> None:
    """Default base URLs (provider and field) are blank or http(s) URLs with no trailing slash."""
    base_url = _field(spec, "base_url")
    defaults = [spec.default_base_url, base_url.default if base_url else ""]
    for url in filter(None, defaults):
        assert _is_http_url(url)
        assert not url.endswith("/")
    if base_url is not None:
        assert base_url.kind == FieldKind.URL


@each_provider
def test_every_field_label_has_both_languages(spec: ProviderSpec) -> None:
    """Every credential field has a label in English and in Chinese, and its help text is translated."""
    for f in spec.credential_fields:
        assert _in("en", f.label).strip() and _in("zh-hans", f.label).strip(), f.name
        assert not f.help or _chinese(f.help), f.name


def test_labels_come_out_in_chinese_when_chinese_is_active() -> None:
    """Names, descriptions, labels and help texts are translated strings, in the active language."""
    qwen, azure = spec_get("qwen"), spec_get("azure_openai")
    api_key = next(f for f in qwen.credential_fields if f.name == "api_key")
    with translation.override("zh-hans"):
        assert (str(qwen.name), str(api_key.label)) == ("通义千问（阿里云百炼）", "API 密钥")
        assert str(qwen.description) == "通过阿里云百炼（DashScope）OpenAI 兼容模式调用通义千问系列模型。"
        assert str(api_key.help).endswith("密钥仅在创建时所在的地域可用。")
        # "Endpoint" is 端点 elsewhere in ModelDesk; Azure's field keeps Azure's own term.
        assert str(azure.credential_fields[0].label) == "终结点"
    with translation.override("en"):
        assert (str(qwen.name), str(api_key.label)) == ("Qwen (Alibaba Cloud DashScope)", "API key")
    assert qwen.english_name == "Qwen (Alibaba Cloud DashScope)"


def test_an_unknown_slug_names_itself_and_lists_the_valid_ones() -> None:
    """``spec_get`` fails the way Django's registries do: it names what was asked for and what exists."""
    with pytest.raises(ImproperlyConfigured) as info:
        spec_get("openia")
    message = str(info.value)
    assert "'openia'" in message
    assert all(repr(spec.slug) in message for spec in CATALOG)


@each_provider
def test_api_keys_are_secret(spec: ProviderSpec) -> None:
    """An api_key field is always stored as a secret."""
    api_key = _field(spec, "api_key")
    assert api_key is None or api_key.secret


@each_provider
def test_predefined_models_are_unique_per_name_and_type(spec: ProviderSpec) -> None:
    """A provider predefines each (model name, model type) pair at most once."""
    pairs = [(m.name, m.model_type) for m in spec.models]
    assert len(pairs) == len(set(pairs))


@each_provider
def test_every_predefined_model_has_a_type_the_provider_offers(spec: ProviderSpec) -> None:
    """Each predefined model's type is one of the provider's model_types."""
    for model in spec.models:
        assert model.model_type in spec.model_types, model.name


@each_provider
def test_select_fields_offer_choices_that_include_their_default(spec: ProviderSpec) -> None:
    """A SELECT field has choices, and its default is one of them."""
    for f in spec.credential_fields:
        if f.kind == FieldKind.SELECT:
            values = [value for value, _label in f.choices]
            assert values, f.name
            assert f.default in values, f.name


def test_openai_compatible_requires_a_base_url() -> None:
    """The generic OpenAI-compatible provider asks the admin for the server's base URL."""
    spec = next(spec for spec in CATALOG if spec.slug == "openai_compatible")
    base_url = _field(spec, "base_url")
    assert base_url is not None
    assert base_url.required


def test_region_base_urls_match_the_region_choices() -> None:
    """Where a provider has both a region field and region_base_urls, their keys are the same set."""
    checked = []
    for spec in CATALOG:
        region = _field(spec, "region")
        region_base_urls = spec.quirks.region_base_urls
        if region is None or not region_base_urls:
            continue
        assert set(region_base_urls) == {value for value, _label in region.choices}, spec.slug
        assert all(_is_http_url(url) for url in region_base_urls.values()), spec.slug
        checked.append(spec.slug)
    assert {"qwen", "kimi"} <= set(checked)
