"""The usage dashboard in the admin (``/admin/calls/usage/``): a GET form of filters, the totals, charts, a table
grouped by one dimension and its CSV export. The figures come from ``calls.usage_report``; this module only
parses the form and presents them."""

from __future__ import annotations

import csv
from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from credentials.models import Credential
from providers.models import Provider

from . import usage_report as usage_report_module
from .models import CallUsageDay
from .usage_charts import calls_chart, compact, cost_chart, model_cost_chart, money
from .usage_report import (
    DIMENSIONS,
    MAX_HOURLY_SPAN,
    STEPS,
    UsageFigures,
    UsageFilters,
    UsageReport,
    usage_report,
)
from .usage_rollup import floor_hour, next_day, usage_timezone

DEFAULT_DAYS = 30
HOURLY_DEFAULT = timedelta(hours=48)


class UsageFilterForm(forms.Form):
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    step = forms.ChoiceField(label=_("Step"), choices=list(STEPS.items()), initial="day")
    by = forms.ChoiceField(label=_("Group by"), choices=list(DIMENSIONS.items()), initial="user")
    user = forms.ModelChoiceField(label=_("User"), queryset=get_user_model().objects.none(), required=False)
    group = forms.ModelChoiceField(label=_("Group"), queryset=Group.objects.order_by("name"), required=False)
    credential = forms.ModelChoiceField(
        label=_("Credential"), queryset=Credential.objects.order_by("name"), required=False
    )
    provider = forms.ModelChoiceField(label=_("Provider"), queryset=Provider.objects.all(), required=False)
    model = forms.CharField(
        label=_("Model"), required=False, max_length=200, widget=forms.TextInput(attrs={"list": "md-usage-models"})
    )
    api_key = forms.TypedChoiceField(label=_("API key"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        users = get_user_model().objects.order_by(get_user_model().USERNAME_FIELD)
        self.fields["user"].queryset = users  # type: ignore[attr-defined]
        keys = sorted(usage_report_module.api_key_names(None).items(), key=lambda item: str(item[1]).lower())
        self.fields["api_key"].choices = [("", "---------"), *keys]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise forms.ValidationError(_("The start date is after the end date."))
        if self.hourly and since and until and until - since >= MAX_HOURLY_SPAN:
            raise forms.ValidationError(_("The hourly view covers at most 7 days; choose a shorter period."))
        return data

    @property
    def hourly(self) -> bool:
        """Hour by hour (the chart or the table): a few days at most, the last 48 hours by default."""
        return "hour" in (self.cleaned_data.get("step"), self.cleaned_data.get("by"))

    def usage_filters(self, now: datetime) -> UsageFilters:
        """The period and the filters; without dates, the last 30 days (the last 48 hours, hour by hour)."""
        data = self.cleaned_data
        since, until = self._period(now)
        return UsageFilters(
            since=since,
            until=until,
            user=data["user"].pk if data.get("user") else None,
            group=data["group"].pk if data.get("group") else None,
            credential=data["credential"].pk if data.get("credential") else None,
            provider=data["provider"].pk if data.get("provider") else None,
            model=data.get("model", "").strip(),
            api_key=data.get("api_key"),
        )

    def _period(self, now: datetime) -> tuple[datetime, datetime]:
        data = self.cleaned_data
        if self.hourly and not (data.get("since") or data.get("until")):
            until = floor_hour(now) + timedelta(hours=1)
            return until - HOURLY_DEFAULT, until
        today = timezone.localtime(now, usage_timezone()).date()
        last = data.get("until") or today
        first = data.get("since") or last - timedelta(days=DEFAULT_DAYS - 1)
        return _midnight(first), next_day(_midnight(last))


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=usage_timezone())


def presets(now: datetime, current: dict[str, str]) -> list[tuple[str, str]]:
    """The periods one click away, keeping the other filters: (label, query string)."""
    today = timezone.localtime(now, usage_timezone()).date()
    first_of_month = today.replace(day=1)
    last_month_end = first_of_month - timedelta(days=1)
    periods: list[tuple[Any, dict[str, date | str]]] = [
        (_("Last 48 hours"), {"step": "hour"}),
        (_("Last 7 days"), {"since": today - timedelta(days=6), "until": today}),
        (_("Last 30 days"), {"since": today - timedelta(days=29), "until": today}),
        (_("This month"), {"since": first_of_month, "until": today}),
        (_("Last month"), {"since": last_month_end.replace(day=1), "until": last_month_end}),
    ]
    kept = {k: v for k, v in current.items() if k not in ("since", "until", "step", "export") and v}
    if kept.get("by") == "hour":
        kept.pop("by")
    return [(str(label), urlencode({**kept, **{k: str(v) for k, v in query.items()}})) for label, query in periods]


class UsageAdmin(admin.ModelAdmin):
    """The dashboard is this model's changelist: it appears in the admin index, for whoever may view call logs."""

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.has_perm("calls.view_calllog"))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        now = timezone.now()
        form = UsageFilterForm({**{"step": "day", "by": "user"}, **request.GET.dict()})
        report = (
            usage_report(filters=form.usage_filters(now), by=form.cleaned_data["by"], step=form.cleaned_data["step"])
            if form.is_valid()
            else None
        )
        if report is not None and request.GET.get("export") == "csv":
            return usage_csv(report)
        if report is not None and not form.hourly:
            form = _showing_period(form, report)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Usage"),
            "opts": self.model._meta,
            "form": form,
            "report": report,
            "presets": presets(now, request.GET.dict()),
            "models": CallUsageDay.objects.order_by("model").values_list("model", flat=True).distinct()[:500],
            "csv_query": urlencode({**request.GET.dict(), "export": "csv"}),
            "calllog_url": reverse("admin:calls_calllog_changelist"),
        }
        if report is not None:
            context.update(report_context(report))
        return TemplateResponse(request, "admin/calls/usage/dashboard.html", context)


def report_context(report: UsageReport) -> dict[str, Any]:
    """The report as the template shows it: numbers formatted, charts drawn."""
    currencies, total = report.currencies, report.total
    return {
        "period": _period_label(report),
        "total_calls": f"{total.calls:,}",
        "total_errors": f"{total.errors:,}",
        "error_rate": f"{total.error_rate:.1%}",
        "tokens": (compact(total.tokens_in), compact(total.tokens_out)),
        "total_cost": [(c, money(total.cost_in(c))) for c in currencies],
        "table": [(row, cells(row.figures, currencies)) for row in report.rows],
        "total_cells": cells(total, currencies),
        "columns": 7 + len(currencies),
        "dimension": DIMENSIONS[report.by],
        "calls_chart": calls_chart(report.series),
        "cost_chart": cost_chart(report.series, currencies),
        "model_chart": model_cost_chart(report.cost_by_model, currencies),
    }


def cells(figures: UsageFigures, currencies: list[str]) -> list[str]:
    """A table row's cells after its label, formatted the same in every language (1,234,567; 12.50)."""
    costs = [money(figures.cost_in(c)) if figures.cost_in(c) else "—" for c in currencies]
    counts = [f"{n:,}" for n in (figures.calls, figures.errors, figures.tokens_in, figures.tokens_out)]
    return [*counts, *costs, _pair(figures.latency_p50, figures.latency_p95), _pair(figures.ttft_p50, figures.ttft_p95)]


def _pair(first: int | None, second: int | None) -> str:
    return f"{'—' if first is None else f'{first:,}'} / {'—' if second is None else f'{second:,}'}"


def _period_label(report: UsageReport) -> tuple[str, str]:
    """The first and last day shown; hour by hour, the first and last hour."""
    since = report.filters.since.astimezone(usage_timezone())
    last = (report.filters.until - timedelta(seconds=1)).astimezone(usage_timezone())
    if "hour" in (report.step, report.by):
        return since.strftime("%Y-%m-%d %H:00"), f"{last:%Y-%m-%d %H}:59"
    return since.date().isoformat(), last.date().isoformat()


def _showing_period(form: UsageFilterForm, report: UsageReport) -> UsageFilterForm:
    """The form again, its dates filled with the period shown (the defaults, when none were given)."""
    last = report.filters.until - timedelta(seconds=1)
    dates = {"since": report.filters.since.astimezone(usage_timezone()).date().isoformat()}
    dates["until"] = last.astimezone(usage_timezone()).date().isoformat()
    shown = UsageFilterForm({**form.data, **dates})
    shown.is_valid()
    return shown


def usage_csv(report: UsageReport) -> HttpResponse:
    """The table as CSV: one row per group and a total, a cost column per currency. Headers stay English and
    stable, for scripts."""
    since = report.filters.since.date().isoformat()
    until = (report.filters.until - timedelta(seconds=1)).date().isoformat()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="usage-{report.by}-{since}-{until}.csv"'
    writer = csv.writer(response)
    header = [report.by, "calls", "errors", "tokens_in", "tokens_out"]
    header += [f"cost_{currency}" for currency in report.currencies]
    writer.writerow([*header, "latency_p50_ms", "latency_p95_ms", "ttft_p50_ms", "ttft_p95_ms"])
    for label, figures in [*((row.label, row.figures) for row in report.rows), ("total", report.total)]:
        writer.writerow(
            [
                _spreadsheet_safe(label),
                figures.calls,
                figures.errors,
                figures.tokens_in,
                figures.tokens_out,
                *(f"{figures.cost_in(currency):.6f}" for currency in report.currencies),
                *("" if v is None else v for v in (figures.latency_p50, figures.latency_p95)),
                *("" if v is None else v for v in (figures.ttft_p50, figures.ttft_p95)),
            ]
        )
    return response


def _spreadsheet_safe(text: str) -> str:
    """A name that a spreadsheet would run as a formula (=, +, -, @) is quoted."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
