"""What core keeps in the database: the version counters of the per-process caches (``core.cache``)."""

from __future__ import annotations

from django.db import models


class CacheVersion(models.Model):
    """One counter per cache namespace, raised by every change to what the namespace caches."""

    name = models.CharField(max_length=40, primary_key=True)
    version = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "cache version"

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"
