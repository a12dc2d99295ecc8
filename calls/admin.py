"""The call layer's admin: call logs, default models, and the credential actions that call out.

The credential's own admin (form, masks, status) is ``credentials.admin``; the actions that send its key to
the provider (Test connection, Fetch models) need the call layer, so they are added here, one layer up.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import URLPattern, path
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from core.errors import ModelDeskError
from credentials import admin as credentials_admin
from credentials.models import Credential
from credentials.selectors import credential_list

from .models import CallLog, DefaultModel
from .services import credential_test, models_discover


@admin.register(DefaultModel)
class DefaultModelAdmin(admin.ModelAdmin):
    list_display = ["model_type", "model", "provider", "credential", "updated_at"]
    list_filter = ["model_type", "model__provider"]
    search_fields = ["model__name", "credential__name", "model__provider__slug"]
    list_select_related = ["model__provider", "credential"]
    autocomplete_fields = ["model", "credential"]

    @admin.display(description=_("provider"))
    def provider(self, obj: DefaultModel) -> Any:
        return obj.model.provider


@admin.register(CallLog)
class CallLogAdmin(admin.ModelAdmin):
    """Read-only: the log is written by the service layer only."""

    list_display = [
        "created_at",
        "operation",
        "provider",
        "model",
        "credential",
        "outcome",
        "attempts",
        "latency_ms",
        "ttft_ms",
        "tokens",
        "user",
    ]
    list_filter = ["status", "operation", "provider", "model", "error_type", "created_at"]
    search_fields = ["model", "message", "credential__name", "user__username"]
    list_select_related = ["provider", "credential", "user"]
    date_hierarchy = "created_at"

    @admin.display(description=_("status"), ordering="status")
    def outcome(self, obj: CallLog) -> SafeString:
        css = "ok" if obj.status == "ok" else "failed"
        label = obj.get_status_display() if obj.status == "ok" else obj.error_type or obj.get_status_display()
        return format_html('<span class="md-status md-status-{}" title="{}">{}</span>', css, obj.message, label)

    @admin.display(description=_("tokens in / out"))
    def tokens(self, obj: CallLog) -> str:
        if obj.tokens_in is None and obj.tokens_out is None:
            return "—"
        return " / ".join("?" if count is None else str(count) for count in (obj.tokens_in, obj.tokens_out))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: CallLog | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: CallLog | None = None) -> bool:
        return bool(request.user.is_superuser)


admin.site.unregister(Credential)


@admin.register(Credential)
class CredentialAdmin(credentials_admin.CredentialAdmin):
    actions = ["test_connection", "fetch_models"]

    def get_urls(self) -> list[URLPattern]:
        test = path(
            "<uuid:object_id>/test/",
            self.admin_site.admin_view(self.test_view),
            name="credentials_credential_test",
        )
        return [test, *super().get_urls()]

    def test_view(self, request: HttpRequest, object_id: str) -> HttpResponseRedirect:
        """The change page's "Test connection" button (POST only)."""
        credential = get_object_or_404(credential_list(), pk=object_id)
        if request.method != "POST" or not self.has_change_permission(request, credential):
            raise PermissionDenied
        self._test(request, credential)
        return redirect("admin:credentials_credential_change", credential.pk)

    def _test(self, request: HttpRequest, credential: Credential) -> None:
        check = credential_test(credential=credential, user=request.user)
        if check.ok:
            message = _("%(name)s: ok in %(ms)d ms (%(tried)s).") % {
                "name": credential.name,
                "ms": check.latency_ms,
                "tried": check.tried,
            }
            self.message_user(request, message, messages.SUCCESS)
        else:
            self.message_user(request, f"{credential.name}: {check.error}", messages.ERROR)

    def has_fetch_models_permission(self, request: HttpRequest) -> bool:
        """Fetching models calls out with the key and writes ProviderModel rows: change and add rights both."""
        return self.has_change_permission(request) and request.user.has_perm("providers.add_providermodel")

    # Both actions send the stored key to the provider and write what comes back: they need ``change``.
    @admin.action(description=_("Test connection"), permissions=["change"])
    def test_connection(self, request: HttpRequest, queryset: QuerySet[Credential]) -> None:
        for credential in queryset.select_related("provider"):
            self._test(request, credential)

    @admin.action(description=_("Fetch models"), permissions=["fetch_models"])
    def fetch_models(self, request: HttpRequest, queryset: QuerySet[Credential]) -> None:
        for credential in queryset.select_related("provider"):
            try:
                report = models_discover(credential=credential, user=request.user)
            except ModelDeskError as error:
                self.message_user(request, f"{credential.name}: {error}", messages.ERROR)
                continue
            message = _("%(name)s: %(created)d new models, %(existing)d already known, %(skipped)d skipped.") % {
                "name": credential.name,
                "created": report.created,
                "existing": report.existing,
                "skipped": report.skipped,
            }
            self.message_user(request, message, messages.SUCCESS)
