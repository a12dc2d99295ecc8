from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from providers.models import Provider
from providers.selectors import provider_name_matches

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
    search_fields = ["name", "provider__slug"]
    list_select_related = ["provider"]
    ordering = ["name"]
    status_fields = ["status", "last_checked_at", "last_check_tried", "last_latency_ms", "last_error"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Credential]:
        return credential_list()

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Credential], search_term: str
    ) -> tuple[QuerySet[Credential], bool]:
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        return provider_name_matches(queryset, found, search_term, "provider__slug"), may_have_duplicates

    def has_change_permission(self, request: HttpRequest, obj: Credential | None = None) -> bool:
        # A provider that left the catalog has no credential form any more: its credentials can be viewed (and
        # deleted), not edited, so that a save cannot drop the values its old form knew about.
        if obj is not None and not obj.provider.in_catalog:
            return False
        return super().has_change_permission(request, obj)

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
