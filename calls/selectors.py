"""Reads for the call layer: the default model of a type."""

from __future__ import annotations

from core.errors import DefaultModelNotConfigured

from .models import DefaultModel


def default_model_get(*, model_type: str) -> DefaultModel:
    """The default model for a type, with its model, provider and credential loaded.

    Raises ``DefaultModelNotConfigured`` when an admin has not set one.
    """
    try:
        return DefaultModel.objects.select_related("model__provider", "credential__provider").get(model_type=model_type)
    except DefaultModel.DoesNotExist:
        raise DefaultModelNotConfigured(model_type) from None
