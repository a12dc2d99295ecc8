from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.cache import catalog
from core.validators import validate_http_url

from .catalog import CATALOG, Protocol
from .models import ModelOrigin, Provider, ProviderModel
from .pricing import ModelPrice, model_price, price_lookup
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


class ProviderModelForm(ModelForm):
    """The admin's model form; ``ProviderModelAdmin`` picks the fields (the catalog's are read-only)."""

    class Meta:
        model = ProviderModel
        fields = ["input_price", "output_price", "cached_input_price", "price_currency"]

    def clean_price_currency(self) -> str:
        value: str = self.cleaned_data.get("price_currency", "").strip().upper()
        if value and not (len(value) == 3 and value.isalpha()):
            raise ValidationError(_("Enter a three-letter ISO currency code, e.g. USD or CNY."))
        return value

    def clean(self) -> dict[str, Any]:
        """A half-filled override (input or output price) needs the other half where nothing else supplies it."""
        data = super().clean() or {}
        given = [name for name in ("input_price", "output_price") if data.get(name) is not None]
        if len(given) == 1:
            row = self.instance
            provider = data.get("provider") or (row.provider if row.provider_id else None)
            base = provider and price_lookup(
                slug=provider.slug,
                name=data.get("name") or row.name,
                model_type=data.get("model_type") or row.model_type,
            )
            if base is None or base.currency != (data.get("price_currency") or "USD"):
                missing = "output_price" if given == ["input_price"] else "input_price"
                self.add_error(
                    missing, _("Enter both prices: there is no catalog price in this currency to fall back on.")
                )
        return data


RETIREMENT_WARNING_DAYS = 30


def retirement_note(model: ProviderModel, today: date | None = None) -> tuple[str, str] | None:
    """(css class, text): "retired on …" from ``retires_on``, "retires on …, in N days" within 30 days; else None."""
    if model.retires_on is None:
        return None
    days = (model.retires_on - (today or timezone.localdate())).days
    when = date_format(model.retires_on)
    if days <= 0:
        return "failed", str(_("retired on %(date)s") % {"date": when})
    if days <= RETIREMENT_WARNING_DAYS:
        text = ngettext("retires on %(date)s, in %(days)d day", "retires on %(date)s, in %(days)d days", days)
        return "needs_reentry", text % {"date": when, "days": days}
    return None


def price_label(price: ModelPrice | None) -> str:
    """ "2.5 / 10 USD (cached 1.25)": input / output per 1M tokens; "—" without a price."""
    if price is None:
        return "—"
    label = f"{price.input.normalize():f} / {price.output.normalize():f} {price.currency}"
    if price.cached_input is not None:
        label += " (" + str(_("cached %(price)s") % {"price": f"{price.cached_input.normalize():f}"}) + ")"
    if price.tiers:
        label += " " + str(_("+ tiers for long inputs"))
    return label


@admin.register(ProviderModel)
class ProviderModelAdmin(admin.ModelAdmin):
    """Predefined models are the catalog's: an admin switches them on and off and may override their price.

    Custom and discovered models are the admin's, parameter rules included.
    """

    form = ProviderModelForm
    list_display = [
        "name",
        "provider",
        "server",
        "model_type",
        "context",
        "max_output",
        "price",
        "retirement",
        "origin",
        "enabled",
    ]
    list_editable = ["enabled"]
    list_filter = [
        "model_type",
        "origin",
        "enabled",
        "supports_vision",
        "supports_tool_call",
        "supports_reasoning",
        "provider",
        ("credential", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["name", "display_name", "provider__slug"]
    list_select_related = ["provider", "credential"]
    autocomplete_fields = ["provider"]
    actions = ["enable_models", "disable_models"]
    fieldsets = [
        (None, {"fields": ["provider", "credential", "name", "display_name", "model_type", "origin", "enabled"]}),
        (_("Limits"), {"fields": ["context_window", "max_output_tokens"]}),
        (
            _("Features"),
            {
                "fields": [
                    "supports_vision",
                    "supports_tool_call",
                    "supports_json_mode",
                    "supports_streaming",
                    "supports_reasoning",
                ]
            },
        ),
        (
            _("Parameter rules"),
            {
                "fields": [
                    ("temperature_min", "temperature_max", "temperature_default"),
                    ("top_p_min", "top_p_max", "top_p_default"),
                    ("max_tokens_min", "max_tokens_max", "max_tokens_default"),
                    ("accepts_temperature", "accepts_top_p", "temperature_or_top_p"),
                    "max_tokens_param",
                ],
            },
        ),
        (
            _("Price (per 1M tokens)"),
            {
                "fields": [
                    "catalog_price",
                    ("input_price", "output_price", "cached_input_price", "price_currency"),
                    "effective_price",
                ],
                "description": _("Blank fields use the catalog price (or genai-prices'). Costs are estimates."),
            },
        ),
        (_("Retirement"), {"fields": ["retires_on", "retirement"]}),
    ]
    always_readonly = ["origin", "catalog_price", "effective_price", "retirement"]
    # The catalog owns these on predefined models: ``catalog_load`` writes them on every load.
    predefined_readonly = [
        "provider",
        "credential",
        "name",
        "model_type",
        "context_window",
        "max_output_tokens",
        "supports_vision",
        "supports_tool_call",
        "supports_json_mode",
        "supports_streaming",
        "supports_reasoning",
        "temperature_min",
        "temperature_max",
        "temperature_default",
        "top_p_min",
        "top_p_max",
        "top_p_default",
        "max_tokens_min",
        "max_tokens_max",
        "max_tokens_default",
        "accepts_temperature",
        "accepts_top_p",
        "temperature_or_top_p",
        "max_tokens_param",
        "retires_on",
    ]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[ProviderModel], search_term: str
    ) -> tuple[QuerySet[ProviderModel], bool]:
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        return provider_name_matches(queryset, found, search_term, "provider__slug"), may_have_duplicates

    def get_readonly_fields(self, request: HttpRequest, obj: ProviderModel | None = None) -> list[str]:
        if obj is not None and obj.origin == ModelOrigin.PREDEFINED:
            return [*self.always_readonly, *self.predefined_readonly]
        return list(self.always_readonly)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        model = self.get_object(request, object_id) if request.method == "GET" else None
        note = retirement_note(model) if model is not None else None
        if model is not None and note is not None:
            self.message_user(request, f"{model.name}: {note[1]}", messages.WARNING)
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description=_("context window"), ordering="context_window")
    def context(self, obj: ProviderModel) -> str:
        return tokens_label(obj.context_window)

    @admin.display(description=_("max output"), ordering="max_output_tokens")
    def max_output(self, obj: ProviderModel) -> str:
        return tokens_label(obj.max_output_tokens)

    @admin.display(description=_("server"), ordering="credential__name")
    def server(self, obj: ProviderModel) -> str:
        return obj.credential.name if obj.credential else "—"

    @admin.display(description=_("price in / out"))
    def price(self, obj: ProviderModel) -> SafeString:
        """The effective price, from in-process lookups only (no query per row)."""
        price = model_price(obj)
        if price is None:
            return mark_safe("—")
        return format_html(
            '<span title="{}">{}</span>', _("source: %(source)s") % {"source": price.source}, price_label(price)
        )

    @admin.display(description=_("effective price"))
    def effective_price(self, obj: ProviderModel) -> str:
        price = model_price(obj) if obj.pk else None
        if price is None:
            return "—"
        return f"{price_label(price)} · {price.source}"

    @admin.display(description=_("catalog price"))
    def catalog_price(self, obj: ProviderModel) -> str:
        """What the overrides override: the catalog's price, else genai-prices'."""
        if not obj.pk:
            return "—"
        price = price_lookup(slug=obj.provider.slug, name=obj.name, model_type=obj.model_type)
        return f"{price_label(price)} · {price.source}" if price else "—"

    @admin.display(description=_("retirement"), ordering="retires_on")
    def retirement(self, obj: ProviderModel) -> SafeString:
        note = retirement_note(obj)
        if note is None:
            return mark_safe("—")
        return format_html('<span class="md-status md-status-{}">{}</span>', *note)

    @admin.action(description=_("Enable selected models"), permissions=["change"])
    def enable_models(self, request: HttpRequest, queryset: QuerySet[ProviderModel]) -> None:
        count = queryset.update(enabled=True)
        catalog.changed()  # an update sends no signal
        self.message_user(request, _("%(count)d models enabled.") % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Disable selected models"), permissions=["change"])
    def disable_models(self, request: HttpRequest, queryset: QuerySet[ProviderModel]) -> None:
        count = queryset.update(enabled=False)
        catalog.changed()
        self.message_user(request, _("%(count)d models disabled.") % {"count": count}, messages.SUCCESS)
