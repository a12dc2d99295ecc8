"""Reads for the call layer: the default model of a type, the models a credential can serve."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from core.errors import DefaultModelNotConfigured
from providers.models import ProviderModel

from .models import DefaultModel


def default_model_get(*, model_type: str) -> DefaultModel:
    """The default model for a type, with its model, provider and credential loaded.

    Raises ``DefaultModelNotConfigured`` when an admin has not set one.
    """
    try:
        return DefaultModel.objects.select_related("model__provider", "credential__provider").get(model_type=model_type)
    except DefaultModel.DoesNotExist:
        raise DefaultModelNotConfigured(model_type) from None


def models_for_credential(
    credential: Any, *, model_type: str | None = None, enabled: bool | None = True
) -> QuerySet[ProviderModel]:
    """The models ``credential`` can serve: its provider's provider-wide models and its own server's models
    (never another server's). ``enabled=None`` includes disabled ones."""
    models = ProviderModel.objects.filter(
        Q(credential__isnull=True) | Q(credential=credential.pk), provider_id=credential.provider_id
    )
    if model_type is not None:
        models = models.filter(model_type=model_type)
    if enabled is not None:
        models = models.filter(enabled=enabled)
    return models
