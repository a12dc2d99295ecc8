"""API keys in the admin: made here (the key is shown once, in the message after saving), listed by their
visible prefix, revoked by an action."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
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
        obj.pk, obj.prefix, obj.digest, obj.created_at = key.pk, key.prefix, key.digest, key.created_at
        obj._state.adding = False
        request._md_new_api_key = plaintext  # type: ignore[attr-defined]  # for response_add, this request only

    def response_add(self, request: HttpRequest, obj: ApiKey, post_url_continue: str | None = None) -> HttpResponse:
        """The new key on the page that answers the save, once: never in a message, which a cookie or the
        session would carry to the next page."""
        plaintext = getattr(request, "_md_new_api_key", None)
        if plaintext is None:
            return super().response_add(request, obj, post_url_continue)
        context = {**self.admin_site.each_context(request), "opts": self.opts, "key": obj, "plaintext": plaintext}
        response = TemplateResponse(request, "admin/gateway/apikey/created.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=_("Revoke the selected keys"), permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        for key in queryset:
            api_key_revoke(key)
        self.message_user(request, gettext("Revoked %(count)d keys.") % {"count": queryset.count()})
