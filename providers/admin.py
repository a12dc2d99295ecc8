from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from core.validators import validate_http_url

from .catalog import CATALOG, Protocol
from .models import ModelOrigin, Provider, ProviderModel
from .selectors import provider_name_matches


def tokens_label(count: int | None) -> str:
    """128000 -> "128K", 1048576 -> "1M": how people talk about context windows."""
    if not count:
        return "—"
    for size, suffix in ((1024 * 1024, "M"), (1000 * 1000, "M"), (1024, "K"), (1000, "K")):
        if count >= size and count % size == 0:
            return f"{count // size:,}{suffix}"
    return f"{count:,}"


class ProviderForm(ModelForm):
    class Meta:
        model = Provider
        fields = ["enabled", "base_url"]

    def clean_enabled(self) -> bool:
        enabled: bool = self.cleaned_data["enabled"]
        if enabled and not self.instance.in_catalog:
            raise ValidationError(_("This provider is no longer in ModelDesk's catalog and cannot be enabled."))
        return enabled

    def clean_base_url(self) -> str:
        value: str = self.cleaned_data["base_url"].strip()
        if value:
            validate_http_url(value)
        return value


class ProtocolFilter(admin.SimpleListFilter):
    """The wire protocol, from the catalog (it is not a column)."""

    title = _("protocol")
    parameter_name = "protocol"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(p.value, p.value) for p in Protocol if any(spec.protocol == p for spec in CATALOG)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if not self.value():
            return queryset
        return queryset.filter(slug__in=[spec.slug for spec in CATALOG if spec.protocol == self.value()])


class InCatalogFilter(admin.SimpleListFilter):
    title = _("catalog")
    parameter_name = "catalog"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("listed", _("in the catalog")), ("removed", _("removed from the catalog"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        listed = Q(slug__in=[spec.slug for spec in CATALOG])
        if self.value() == "listed":
            return queryset.filter(listed)
        return queryset.exclude(listed) if self.value() == "removed" else queryset


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    """Providers are the catalog's (code): admins switch them on and off and may override the base URL."""

    form = ProviderForm
    list_display = [
        "provider_name",
        "slug",
        "provider_protocol",
        "supported_types",
        "model_count",
        "credential_count",
        "enabled",
        "effective_base_url",
    ]
    list_display_links = ["provider_name"]
    list_editable = ["enabled"]
    list_filter = ["enabled", ProtocolFilter, InCatalogFilter]
    search_fields = ["slug"]
    readonly_fields = [
        "slug",
        "provider_name",
        "provider_protocol",
        "default_base_url",
        "description",
        "supported_types",
        "credential_fields",
    ]
    fieldsets = [
        (None, {"fields": ["slug", "provider_name", "description", "provider_protocol", "supported_types"]}),
        (_("Endpoint"), {"fields": ["enabled", "default_base_url", "base_url"]}),
        (_("Credential form"), {"fields": ["credential_fields"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Provider]:
        return (
            super()
            .get_queryset(request)
            .annotate(n_models=Count("models", distinct=True), n_credentials=Count("credentials", distinct=True))
        )

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Provider], search_term: str
    ) -> tuple[QuerySet[Provider], bool]:
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        return provider_name_matches(queryset, found, search_term, "slug"), may_have_duplicates

    def get_changelist_form(self, request: HttpRequest, **kwargs: Any) -> Any:
        return super().get_changelist_form(request, form=ProviderForm, **kwargs)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # The catalog is declared in code; `openai_compatible` covers any other endpoint.

    def has_delete_permission(self, request: HttpRequest, obj: Provider | None = None) -> bool:
        return False  # A deleted built-in would come back on the next load; disable it instead.

    @admin.display(description=_("name"))
    def provider_name(self, obj: Provider) -> SafeString:
        if obj.in_catalog:
            return format_html("{}", obj.name)
        return format_html(
            '{} <span class="md-status md-status-failed">{}</span>', obj.name, _("removed from the catalog")
        )

    @admin.display(description=_("protocol"))
    def provider_protocol(self, obj: Provider) -> str:
        return str(obj.protocol) if obj.in_catalog else "—"

    @admin.display(description=_("base URL"))
    def effective_base_url(self, obj: Provider) -> SafeString:
        url = obj.effective_base_url
        return format_html('<span class="md-url" title="{}">{}</span>', url, url) if url else mark_safe("—")

    @admin.display(description=_("default base URL"))
    def default_base_url(self, obj: Provider) -> str:
        return obj.default_base_url or "—"

    @admin.display(description=_("models"), ordering="n_models")
    def model_count(self, obj: Provider) -> SafeString:
        url = f"../providermodel/?provider__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, getattr(obj, "n_models", 0))

    @admin.display(description=_("credentials"), ordering="n_credentials")
    def credential_count(self, obj: Provider) -> SafeString:
        url = f"../../credentials/credential/?provider__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, getattr(obj, "n_credentials", 0))

    @admin.display(description=_("description"))
    def description(self, obj: Provider) -> str:
        return obj.description

    @admin.display(description=_("model types"))
    def supported_types(self, obj: Provider) -> str:
        return ", ".join(obj.model_types) or "—"

    @admin.display(description=_("fields"))
    def credential_fields(self, obj: Provider) -> SafeString:
        rows = format_html_join(
            "",
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    field.name,
                    field.label,
                    _("secret") if field.secret else "",
                    _("required") if field.required else _("optional"),
                    field.default,
                )
                for field in obj.credential_schema
            ),
        )
        return format_html('<table class="md-schema">{}</table>', rows)


@admin.register(ProviderModel)
class ProviderModelAdmin(admin.ModelAdmin):
    list_display = ["name", "provider", "model_type", "context", "max_output", "origin", "enabled"]
    list_editable = ["enabled"]
    list_filter = [
        "model_type",
        "origin",
        "enabled",
        "supports_vision",
        "supports_tool_call",
        "provider",
    ]
    search_fields = ["name", "display_name", "provider__slug"]
    list_select_related = ["provider"]
    autocomplete_fields = ["provider"]
    actions = ["enable_models", "disable_models"]
    fieldsets = [
        (None, {"fields": ["provider", "name", "display_name", "model_type", "origin", "enabled"]}),
        (_("Limits"), {"fields": ["context_window", "max_output_tokens"]}),
        (
            _("Features"),
            {"fields": ["supports_vision", "supports_tool_call", "supports_json_mode", "supports_streaming"]},
        ),
        (
            _("Parameter rules"),
            {
                "fields": [
                    ("temperature_min", "temperature_max", "temperature_default"),
                    ("top_p_min", "top_p_max", "top_p_default"),
                    ("max_tokens_min", "max_tokens_max", "max_tokens_default"),
                ],
            },
        ),
    ]
    predefined_readonly = [
        "provider",
        "name",
        "model_type",
        "context_window",
        "max_output_tokens",
        "supports_vision",
        "supports_tool_call",
        "supports_json_mode",
        "supports_streaming",
    ]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[ProviderModel], search_term: str
    ) -> tuple[QuerySet[ProviderModel], bool]:
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        return provider_name_matches(queryset, found, search_term, "provider__slug"), may_have_duplicates

    def get_readonly_fields(self, request: HttpRequest, obj: ProviderModel | None = None) -> list[str]:
        if obj is not None and obj.origin == ModelOrigin.PREDEFINED:
            return ["origin", *self.predefined_readonly]
        return ["origin"]

    @admin.display(description=_("context window"), ordering="context_window")
    def context(self, obj: ProviderModel) -> str:
        return tokens_label(obj.context_window)

    @admin.display(description=_("max output"), ordering="max_output_tokens")
    def max_output(self, obj: ProviderModel) -> str:
        return tokens_label(obj.max_output_tokens)

    @admin.action(description=_("Enable selected models"), permissions=["change"])
    def enable_models(self, request: HttpRequest, queryset: QuerySet[ProviderModel]) -> None:
        count = queryset.update(enabled=True)
        self.message_user(request, _("%(count)d models enabled.") % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Disable selected models"), permissions=["change"])
    def disable_models(self, request: HttpRequest, queryset: QuerySet[ProviderModel]) -> None:
        count = queryset.update(enabled=False)
        self.message_user(request, _("%(count)d models disabled.") % {"count": count}, messages.SUCCESS)
