"""Writes to the provider catalog: loading it from code."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.cache import catalog as catalog_cache

from .catalog import CATALOG, PredefinedModel, ProviderSpec
from .models import ModelOrigin, Provider, ProviderModel

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CatalogLoadReport:
    providers_created: int
    providers_updated: int
    models_created: int
    models_updated: int
    # Rows whose slug is no longer in the catalog that this load disabled (or moved to the end of the list).
    providers_removed: int = 0

    @property
    def changed(self) -> bool:
        return any(
            (
                self.providers_created,
                self.providers_updated,
                self.models_created,
                self.models_updated,
                self.providers_removed,
            )
        )


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
        "supports_reasoning": model.reasoning,
        "accepts_temperature": model.accepts_temperature,
        "accepts_top_p": model.accepts_top_p,
        "temperature_or_top_p": model.temperature_or_top_p,
        "max_tokens_param": model.max_tokens_param,
        "retires_on": model.retires_on,
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
    """Give every catalog entry its row and predefined models. Idempotent: a second load changes nothing.

    A row holds only its slug and display position from the catalog; ``enabled`` and ``base_url`` are the
    admin's and are never overwritten, with one exception: a row whose slug has left the catalog is disabled (and
    listed last). Its credentials and models stay; it is enabled again only by an admin, once the slug is back.
    """
    counts = dict.fromkeys(("providers_created", "providers_updated", "models_created", "models_updated"), 0)
    existing = {p.slug: p for p in Provider.objects.all()}
    missing = [Provider(slug=spec.slug, position=n) for n, spec in enumerate(catalog) if spec.slug not in existing]
    created = {p.slug: p for p in Provider.objects.bulk_create(missing)}  # one insert, not one per provider
    counts["providers_created"] = len(created)
    known = {(m.provider_id, m.name, m.model_type): m for m in ProviderModel.objects.filter(credential__isnull=True)}
    new_models: list[ProviderModel] = []
    for position, spec in enumerate(catalog):
        provider = created.get(spec.slug) or existing.pop(spec.slug)
        if spec.slug not in created and _sync(provider, {"position": position}):
            counts["providers_updated"] += 1
        new_models += _models_load(spec, provider, known, counts)
    ProviderModel.objects.bulk_create(new_models)
    counts["models_created"] = len(new_models)
    removed = sum(_sync(row, {"enabled": False, "position": len(catalog)}) for row in existing.values())
    report = CatalogLoadReport(**counts, providers_removed=removed)
    if created or new_models:  # bulk inserts send no signal
        catalog_cache.changed()
    if removed:
        logger.warning("providers no longer in the catalog, disabled: %s", ", ".join(sorted(existing)))
    logger.debug("provider catalog loaded: %s", report)
    return report


def _models_load(
    spec: ProviderSpec, provider: Provider, known: dict[tuple[int, str, str], ProviderModel], counts: dict[str, int]
) -> list[ProviderModel]:
    """Update the provider's predefined models that exist; return the ones to create.

    A model past its retirement date is disabled, on every load: the provider no longer serves it.
    """
    new = []
    today = timezone.localdate()
    for model in spec.models:
        fields = _model_fields(spec, model)
        retired = model.retires_on is not None and model.retires_on <= today
        row = known.get((provider.pk, model.name, str(model.model_type)))
        if row is None:
            new.append(
                ProviderModel(
                    provider=provider,
                    name=model.name,
                    model_type=str(model.model_type),
                    enabled=not retired,
                    **fields,
                )
            )
            continue
        if _sync(row, {**fields, **({"enabled": False} if retired else {})}):
            counts["models_updated"] += 1
    return new
