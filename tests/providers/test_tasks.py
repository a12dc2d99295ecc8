"""The daily catalog load disables a model once its retirement date has passed, without a deploy."""

from __future__ import annotations

from django.utils import timezone

from providers.catalog import CATALOG
from providers.models import ProviderModel
from providers.tasks import catalog_load_task


def test_the_periodic_load_disables_a_model_that_retired_since_the_last_one(catalog):
    retired = next(
        (spec.slug, m.name)
        for spec in CATALOG
        for m in spec.models
        if m.retires_on is not None and m.retires_on <= timezone.localdate()
    )
    ProviderModel.objects.filter(provider__slug=retired[0], name=retired[1]).update(enabled=True)
    catalog_load_task.delay()
    assert not ProviderModel.objects.get(provider__slug=retired[0], name=retired[1], credential=None).enabled
