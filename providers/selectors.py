"""Reads about providers that the database cannot answer alone: their names live in the code catalog."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from .catalog import spec_slugs_named


def provider_name_matches(queryset: QuerySet[Any], found: QuerySet[Any], term: str, slug_lookup: str) -> QuerySet[Any]:
    """``found`` plus the rows of ``queryset`` whose provider's catalog name contains ``term``.

    For admin searches: ``slug_lookup`` leads from the rows to the provider's slug (``"slug"``,
    ``"provider__slug"``).
    """
    slugs = spec_slugs_named(term) if term.strip() else []
    return found | queryset.filter(**{f"{slug_lookup}__in": slugs}) if slugs else found
