"""Writes to the provider catalog: loading it from code."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from .catalog import CATALOG, PredefinedModel, ProviderSpec
from .models import ModelOrigin, Provider, ProviderModel

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CatalogLoadReport:
    providers_created: int
    providers_updated: int
    models_created: int
    models_updated: int

    @property
    def changed(self) -> bool:
        return any((self.providers_created, self.providers_updated, self.models_created, self.models_updated))


def _provider_fields(spec: ProviderSpec, position: int) -> dict[str, Any]:
    """The catalog-owned fields of a provider. ``enabled`` and ``base_url`` are the admin's and never listed."""
    return {
        "name_en": spec.name_en,
        "name_zh": spec.name_zh,
        "protocol": str(spec.protocol),
        "default_base_url": spec.default_base_url,
        "description_en": spec.description_en,
        "description_zh": spec.description_zh,
        "credential_schema": [f.as_dict() for f in spec.credential_fields],
        "model_types": [str(t) for t in spec.model_types],
        "custom_models": spec.custom_models,
        "parameter_defaults": {
            "temperature": [spec.temperature.minimum, spec.temperature.maximum, spec.temperature.default],
            "top_p": [spec.top_p.minimum, spec.top_p.maximum, spec.top_p.default],
        },
        "quirks": dict(spec.quirks),
        "position": position,
    }


def _model_fields(spec: ProviderSpec, model: PredefinedModel) -> dict[str, Any]:
    """The catalog-owned fields of a predefined model. ``enabled`` is the admin's and never listed."""
    fields: dict[str, Any] = {
        "display_name": model.display_name or model.name,
        "context_window": model.context_window,
        "max_output_tokens": model.max_output_tokens,
        "supports_vision": model.vision,
        "supports_tool_call": model.tool_call,
        "supports_json_mode": model.json_mode,
        "supports_streaming": model.streaming,
        "origin": ModelOrigin.PREDEFINED,
    }
    if model.model_type == "llm":
        temperature = model.temperature or spec.temperature
        top_p = model.top_p or spec.top_p
        max_out = model.max_output_tokens
        fields.update(
            temperature_min=temperature.minimum,
            temperature_max=temperature.maximum,
            temperature_default=temperature.default,
            top_p_min=top_p.minimum,
            top_p_max=top_p.maximum,
            top_p_default=top_p.default,
            max_tokens_min=1 if max_out else None,
            max_tokens_max=max_out,
            max_tokens_default=min(max_out, 4096) if max_out else None,
        )
    return fields


def _sync(instance: Any, fields: dict[str, Any]) -> bool:
    changed = [name for name, value in fields.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, fields[name])
    if changed:
        instance.save(update_fields=[*changed, *(["updated_at"] if hasattr(instance, "updated_at") else [])])
    return bool(changed)


@transaction.atomic
def catalog_load(*, catalog: tuple[ProviderSpec, ...] = CATALOG) -> CatalogLoadReport:
    """Copy the code catalog into the database. Idempotent: a second load changes nothing."""
    counts = {"providers_created": 0, "providers_updated": 0, "models_created": 0, "models_updated": 0}
    existing = {p.slug: p for p in Provider.objects.all()}
    for position, spec in enumerate(catalog):
        fields = _provider_fields(spec, position)
        provider = existing.get(spec.slug)
        if provider is None:
            provider = Provider.objects.create(slug=spec.slug, **fields)
            counts["providers_created"] += 1
        elif _sync(provider, fields):
            counts["providers_updated"] += 1
        models_by_key = {(m.name, m.model_type): m for m in provider.models.all()}
        for model in spec.models:
            fields = _model_fields(spec, model)
            row = models_by_key.get((model.name, str(model.model_type)))
            if row is None:
                ProviderModel.objects.create(
                    provider=provider, name=model.name, model_type=str(model.model_type), **fields
                )
                counts["models_created"] += 1
            elif _sync(row, fields):
                counts["models_updated"] += 1
    report = CatalogLoadReport(**counts)
    logger.debug("provider catalog loaded: %s", report)
    return report
