"""Admin pages of third-party apps, held to our rule: every action declares the permission it needs."""

from __future__ import annotations

from typing import Any

from axes.admin import AccessAttemptAdmin  # type: ignore[import-untyped]
from axes.models import AccessAttempt  # type: ignore[import-untyped]
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _


class GuardedAccessAttemptAdmin(AccessAttemptAdmin):
    """django-axes' lockout list; cleaning up attempts deletes rows (it can unlock people), so it needs ``delete``."""

    actions = ["cleanup_expired_attempts"]

    @admin.action(description=_("Clean up expired attempts"), permissions=["delete"])
    def cleanup_expired_attempts(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        super().cleanup_expired_attempts(request, queryset)


admin.site.unregister(AccessAttempt)
admin.site.register(AccessAttempt, GuardedAccessAttemptAdmin)
