"""Reads about providers, models and default models."""

from __future__ import annotations

from django.db.models import QuerySet

from .errors import DefaultModelNotConfigured
from .models import DefaultModel, Provider, ProviderModel


def provider_list(*, enabled_only: bool = False) -> QuerySet[Provider]:
    providers = Provider.objects.all()
    return providers.filter(enabled=True) if enabled_only else providers


def provider_models(*, provider: Provider, model_type: str | None = None) -> QuerySet[ProviderModel]:
    models = ProviderModel.objects.filter(provider=provider, enabled=True)
    return models.filter(model_type=model_type) if model_type else models


def default_model_get(*, model_type: str) -> DefaultModel:
    """The default model for a type, with its model, provider and credential loaded.

    Raises ``DefaultModelNotConfigured`` when an admin has not set one.
    """
    try:
        return DefaultModel.objects.select_related("model__provider", "credential__provider").get(model_type=model_type)
    except DefaultModel.DoesNotExist:
        raise DefaultModelNotConfigured(model_type) from None
