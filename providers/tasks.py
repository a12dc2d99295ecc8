"""Celery tasks of the provider catalog: thin, importing their service inside the body."""

from __future__ import annotations

from typing import Any

from celery import shared_task


@shared_task(name="providers.catalog_load")
def catalog_load_task() -> dict[str, Any]:
    """Periodic (beat): load the catalog again, so that a model whose retirement date has passed is disabled
    without waiting for the next deploy's ``load_providers``."""
    from .services import catalog_load

    report = catalog_load()
    return {"models_updated": report.models_updated, "models_created": report.models_created}
