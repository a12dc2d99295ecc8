from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import URLPattern, path
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from core.errors import ModelDeskError
from providers.models import Provider
from providers.services import models_discover, test_credential

from .forms import CredentialAdminForm, credential_form_class, schema_form_fields
from .models import Credential
from .selectors import STATUS_LABELS, credential_list, credential_secret_states, credential_status
from .services import credential_save


def status_badge(credential: Credential) -> SafeString:
    status = credential_status(credential)
    when = (
        date_format(localtime(credential.last_checked_at), "SHORT_DATETIME_FORMAT")
        if credential.last_checked_at
        else ""
    )
    return format_html(
        '<span class="md-status md-status-{}">{}</span> <span class="md-when">{}</span>',
        status,
        STATUS_LABELS[status],
        when,
    )


@admin.register(Credential)
class CredentialAdmin(admin.ModelAdmin):
    form = CredentialAdminForm
    list_display = ["name", "provider", "secret_mask", "status", "enabled", "updated_at"]
    list_filter = ["provider", "check_status", "enabled"]
    search_fields = ["name", "provider__slug", "provider__name_en", "provider__name_zh"]
    list_select_related = ["provider"]
    ordering = ["name"]
    actions = ["test_connection", "fetch_models"]
    status_fields = ["status", "last_checked_at", "last_latency_ms", "last_error"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Credential]:
        return credential_list()

    @admin.display(description=_("secret"))
    def secret_mask(self, obj: Credential) -> str:
        states = credential_secret_states(obj)
        if not states:
            return "—"
        first = states[0]
        if not first.stored:
            return str(_("not set"))
        return first.mask if first.readable else str(_("cannot be decrypted"))

    @admin.display(description=_("status"))
    def status(self, obj: Credential) -> SafeString:
        return status_badge(obj)

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "provider" and field is not None:
            # Providers come from the catalog: nothing to add or edit from here.
            field.widget.can_add_related = field.widget.can_change_related = False
            field.widget.can_view_related = False
        return field

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
        check = test_credential(credential=credential, user=request.user)
        if check.ok:
            message = _("%(name)s: ok in %(ms)d ms.") % {"name": credential.name, "ms": check.latency_ms}
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

    def _provider(self, request: HttpRequest, obj: Credential | None) -> Provider | None:
        if obj is not None:
            return obj.provider
        raw = request.POST.get("provider") or request.GET.get("provider") or ""
        return Provider.objects.filter(pk=raw, enabled=True).first() if raw.isdigit() else None

    def get_readonly_fields(self, request: HttpRequest, obj: Credential | None = None) -> list[str]:
        return ["provider", *self.status_fields] if obj else []

    def get_fieldsets(self, request: HttpRequest, obj: Credential | None = None) -> Any:
        provider = self._provider(request, obj)
        fieldsets: list[Any] = [(None, {"fields": ["name", "provider", "enabled"]})]
        if provider is not None:
            fieldsets.append(
                (
                    _("%(provider)s settings") % {"provider": provider.display_name},
                    {"fields": schema_form_fields(provider, obj)},
                )
            )
        if obj is not None:
            fieldsets.append((_("Status"), {"fields": self.status_fields}))
        return fieldsets

    def get_form(self, request: HttpRequest, obj: Credential | None = None, change: bool = False, **kwargs: Any) -> Any:
        kwargs["form"] = credential_form_class(self._provider(request, obj), obj)
        return super().get_form(request, obj, change, **kwargs)

    def save_model(self, request: HttpRequest, obj: Credential, form: ModelForm, change: bool) -> None:
        assert isinstance(form, CredentialAdminForm)
        credential_save(
            provider=obj.provider,
            name=obj.name,
            values=form.schema_values(),
            credential=obj,
            clear=form.cleared_secrets(),
            enabled=obj.enabled,
        )
