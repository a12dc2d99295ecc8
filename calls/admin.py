"""The call layer's admin: call logs, default models, and the credential actions that call out.

The credential's own admin (form, masks, status) is ``credentials.admin``; the actions that send its key to
the provider (Test connection, Fetch models) need the call layer, so they are added here, one layer up.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet, Sum
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from core.errors import ModelDeskError, error_type_title
from credentials import admin as credentials_admin
from credentials.models import CheckStatus, Credential
from credentials.selectors import credential_list

from .models import CallLog, DefaultModel, Usage
from .services import credential_test, models_discover
from .usage_admin import UsageAdmin

# The usage dashboard (calls.usage_admin) is the changelist of the roll-up's proxy model: the index lists it.
admin.site.register(Usage, UsageAdmin)


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


class ErrorTypeFilter(admin.SimpleListFilter):
    """Error types by their names in the active language (the column holds the stable English names)."""

    title = _("error type")
    parameter_name = "error_type"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        types = CallLog.objects.exclude(error_type="").values_list("error_type", flat=True).distinct()
        return sorted(((kind, error_type_title(kind)) for kind in types), key=lambda pair: pair[1])

    def queryset(self, request: HttpRequest, queryset: QuerySet[CallLog]) -> QuerySet[CallLog]:
        return queryset.filter(error_type=self.value()) if self.value() else queryset


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
        "latency",
        "tokens",
        "finish",
        "call_cost",
        "user",
    ]
    list_filter = [
        "status",
        "operation",
        "provider",
        "model",
        ErrorTypeFilter,
        "finish_reason",
        "currency",
        "created_at",
    ]
    search_fields = ["model", "message", "credential__name", "user__username"]
    list_select_related = ["provider", "credential", "user"]
    date_hierarchy = "created_at"

    @admin.display(description=_("status"), ordering="status")
    def outcome(self, obj: CallLog) -> SafeString:
        css = "ok" if obj.status == "ok" else "failed"
        label = obj.get_status_display() if obj.status == "ok" else error_type_title(obj.error_type) or obj.status
        return format_html('<span class="md-status md-status-{}" title="{}">{}</span>', css, obj.message, label)

    @admin.display(description=_("tokens in / out"))
    @admin.display(description=_("latency (ms)"), ordering="latency_ms")
    def latency(self, obj: CallLog) -> SafeString:
        """The whole call, and a stream's first token beneath it (one column: the list stays laptop-wide)."""
        if obj.ttft_ms is None:
            return format_html("{}", obj.latency_ms)
        return format_html(
            '{}<br><span class="md-when" title="{}">{} {}</span>',
            obj.latency_ms,
            _("time to first token (ms)"),
            _("first token"),
            obj.ttft_ms,
        )

    def tokens(self, obj: CallLog) -> SafeString:
        return tokens_cell(obj)

    @admin.display(description=_("finish"), ordering="finish_reason")
    def finish(self, obj: CallLog) -> str:
        return obj.finish_reason or "—"

    @admin.display(description=_("cost"), ordering="cost")
    def call_cost(self, obj: CallLog) -> str:
        return cost_label(obj.cost, obj.currency)

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        """The list, with the cost of the filtered rows per currency under it (one query)."""
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)
        if isinstance(context, dict) and "cl" in context:
            context["cost_totals"] = cost_totals(context["cl"].queryset)
        return response

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

    def save_model(self, request: HttpRequest, obj: Credential, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        request._modeldesk_saved_credential = obj.pk  # type: ignore[attr-defined]

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """After a save, the connection test's result beside Django's "saved" message: a failure is a warning.

        The test runs once the save has committed (``calls.receivers``): in-process without a broker, so its
        result is known here; with a broker it runs in the background, and the page says so.
        """
        started = timezone.now()
        response = super().changeform_view(request, object_id, form_url, extra_context)
        saved = getattr(request, "_modeldesk_saved_credential", None)
        if saved is not None and settings.CREDENTIAL_TEST_ON_SAVE:
            self._report_save_test(request, saved, started)
        return response

    def _report_save_test(self, request: HttpRequest, pk: Any, started: Any) -> None:
        credential = Credential.objects.filter(pk=pk).first()
        if credential is None:
            return
        if credential.last_checked_at is None or credential.last_checked_at < started:
            self.message_user(
                request,
                _("%(name)s: the connection test runs in the background; its result appears under Status.")
                % {"name": credential.name},
                messages.INFO,
            )
        elif credential.check_status == CheckStatus.OK:
            message = _("%(name)s: connection test passed (%(tried)s).")
            self.message_user(
                request, message % {"name": credential.name, "tried": credential.last_check_tried}, messages.SUCCESS
            )
        else:
            message = _("%(name)s was saved, but its connection test failed: %(error)s")
            self.message_user(
                request, message % {"name": credential.name, "error": credential.last_error}, messages.WARNING
            )

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


# The call log's cost and token cells, and the total under its list.


def cost_label(cost: Decimal | None, currency: str) -> str:
    """0.00315 USD -> "0.003150 USD": six places, enough for a single short call; "—" without a price."""
    if cost is None:
        return "—"
    return f"{cost.quantize(Decimal('0.000001'))} {currency}".strip()


def tokens_cell(row: CallLog) -> SafeString:
    """ "1200 / 80", with the cached part of the input and the reasoning part of the output in brackets, and "≈"
    when ModelDesk counted the tokens because the provider reported none."""
    if row.tokens_in is None and row.tokens_out is None:
        return format_html("{}", "—")
    parts = [
        format_html("{}{}", _count(count), format_html(" ({} {})", part, label) if part else "")
        for count, part, label in (
            (row.tokens_in, row.tokens_cached, _("cached")),
            (row.tokens_out, row.tokens_reasoning, _("reasoning")),
        )
    ]
    cell = format_html_join(" / ", "{}", ((p,) for p in parts))
    if row.usage_estimated:
        return format_html('<span title="{}">≈ {}</span>', _("estimated by ModelDesk"), cell)
    return cell


def _count(count: int | None) -> str:
    return "?" if count is None else str(count)


@dataclass(frozen=True)
class CostTotal:
    currency: str
    total: Decimal
    calls: int

    @property
    def label(self) -> str:
        return cost_label(self.total, self.currency)


def cost_totals(rows: QuerySet[CallLog]) -> list[CostTotal]:
    """The summed cost of ``rows`` per currency, rows without a cost left out. One query."""
    sums = (
        rows.exclude(cost=None)
        .order_by()
        .values("currency")
        .annotate(total=Sum("cost"), calls=Count("pk"))
        .order_by("currency")
    )
    return [CostTotal(currency=s["currency"], total=s["total"], calls=s["calls"]) for s in sums]
