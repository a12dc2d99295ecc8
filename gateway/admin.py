"""API keys in the admin: made here (the key is shown once, in the message after saving), listed by their
visible prefix, revoked by an action."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .keys import api_key_create, api_key_revoke
from .models import ApiKey


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix_shown", "owner", "expires_at", "revoked_at", "created_at")
    list_filter = ("revoked_at", "expires_at")
    search_fields = ("name", "prefix", "owner__username")
    fields = ("name", "owner", "allowed_models", "expires_at")
    readonly_fields = ("created_at",)
    actions = ("revoke",)

    @admin.display(description=_("key"))
    def prefix_shown(self, key: ApiKey) -> str:
        return f"{key.prefix}…"

    def save_model(self, request: HttpRequest, obj: ApiKey, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        key, plaintext = api_key_create(
            owner=obj.owner, name=obj.name, expires_at=obj.expires_at, models=obj.allowed_models or ()
        )
        obj.pk, obj.prefix, obj.digest = key.pk, key.prefix, key.digest
        obj._state.adding = False
        message = gettext("The new key is shown this once; copy it now: %(key)s") % {"key": plaintext}
        self.message_user(request, message, messages.WARNING)

    @admin.action(description=_("Revoke the selected keys"), permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        for key in queryset:
            api_key_revoke(key)
        self.message_user(request, gettext("Revoked %(count)d keys.") % {"count": queryset.count()})
