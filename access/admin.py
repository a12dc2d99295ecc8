"""The admin of grants, quotas and their use: who may spend which credential, and how much."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import CharField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Concat
from django.http import HttpRequest
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from providers.models import ModelTypeChoices

from .models import Grant, Quota, QuotaCounter, Window
from .money import used_label
from .windows import EVER, window_start


class GrantForm(forms.ModelForm):
    model_types = forms.MultipleChoiceField(
        label=_("model types"),
        choices=ModelTypeChoices.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty for every type."),
    )

    class Meta:
        model = Grant
        fields = ["user", "group", "credential", "only_models", "model_types", "enabled", "note"]


class SubjectFilter(admin.SimpleListFilter):
    title = _("for")
    parameter_name = "for"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("user", _("a user")), ("group", _("a group")), ("everyone", _("everyone"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "user":
            return queryset.filter(user__isnull=False)
        if self.value() == "group":
            return queryset.filter(group__isnull=False)
        if self.value() == "everyone":
            return queryset.filter(user__isnull=True, group__isnull=True)
        return queryset


@admin.register(Grant)
class GrantAdmin(admin.ModelAdmin):
    form = GrantForm
    list_display = ["subject", "credential", "models_column", "types_column", "enabled", "note", "updated_at"]
    list_filter = [SubjectFilter, "enabled", "credential", "group"]
    search_fields = ["user__username", "user__email", "group__name", "credential__name", "note"]
    list_select_related = ["user", "group", "credential"]
    autocomplete_fields = ["user", "group", "credential", "only_models"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Grant]:
        return super().get_queryset(request).prefetch_related("only_models")

    @admin.display(description=_("for"))
    def subject(self, obj: Grant) -> str:
        return obj.subject_label()

    @admin.display(description=_("models"))
    def models_column(self, obj: Grant) -> str:
        names = sorted(m.name for m in obj.only_models.all())
        return ", ".join(names) if names else str(_("every model"))

    @admin.display(description=_("model types"))
    def types_column(self, obj: Grant) -> str:
        labels = dict(ModelTypeChoices.choices)
        return ", ".join(str(labels.get(t, t)) for t in obj.model_types) if obj.model_types else str(_("every type"))


def _shared_use(window: str) -> Subquery:
    """The shared counter of a quota's current window (a user's own counters are listed under Quota use)."""
    start = window_start(window, timezone.now())
    counters = QuotaCounter.objects.filter(quota=OuterRef("pk"), subject="", window_start=start)
    return Subquery(counters.values("used")[:1])


@admin.register(Quota)
class QuotaAdmin(admin.ModelAdmin):
    list_display = ["subject", "credential", "limit_column", "window", "use_column", "per_user", "trial", "enabled"]
    list_filter = [SubjectFilter, "trial", "metric", "window", "enabled", "credential", "group"]
    search_fields = ["user__username", "group__name", "credential__name", "note"]
    list_select_related = ["user", "group", "credential"]
    autocomplete_fields = ["user", "group", "credential", "only_models"]
    fieldsets = [
        (_("Who and what it counts"), {"fields": ["user", "group", "credential", "only_models", "per_user", "trial"]}),
        (_("Limit"), {"fields": ["metric", "window", "limit", "currency", "warn_percent"]}),
        (None, {"fields": ["enabled", "note"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Quota]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                used_day=_shared_use(Window.DAY),
                used_month=_shared_use(Window.MONTH),
                used_total=_shared_use(Window.TOTAL),
            )
        )

    @admin.display(description=_("for"))
    def subject(self, obj: Quota) -> str:
        return obj.subject_label()

    @admin.display(description=_("limit"), ordering="limit")
    def limit_column(self, obj: Quota) -> str:
        return obj.limit_label()

    @admin.display(description=_("used now"))
    def use_column(self, obj: Quota) -> str:
        if obj.own_counter:
            return str(_("each user's own (see Quota use)"))
        used = getattr(obj, f"used_{obj.window}", None) or 0
        return _amount(obj, used)


def _amount(quota: Quota, used: Any) -> str:
    return used_label(quota.metric, used, quota.currency)


@admin.register(QuotaCounter)
class QuotaCounterAdmin(admin.ModelAdmin):
    """Read-only: what each window of each quota has used; a trial's use per user."""

    list_display = ["quota", "counted_for", "window_column", "used_column", "updated_at"]
    list_filter = ["quota__trial", "quota__metric", "quota__window", "quota__credential"]
    search_fields = ["subject", "quota__credential__name", "quota__user__username", "quota__group__name"]
    list_select_related = ["quota__user", "quota__group", "quota__credential"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[QuotaCounter]:
        return super().get_queryset(request).annotate(counted_username=_username(OuterRef("subject")))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("counted for"), ordering="subject")
    def counted_for(self, obj: QuotaCounter) -> str:
        name = getattr(obj, "counted_username", None)
        if obj.subject.startswith("user:"):
            return str(name or obj.subject)
        return str(_("shared"))

    @admin.display(description=_("window start"), ordering="window_start")
    def window_column(self, obj: QuotaCounter) -> str:
        if obj.window_start == EVER:
            return str(_("in total"))
        return formats.date_format(timezone.localtime(obj.window_start), "SHORT_DATE_FORMAT")

    @admin.display(description=_("used"), ordering="used")
    def used_column(self, obj: QuotaCounter) -> str:
        return f"{_amount(obj.quota, obj.used)} / {obj.quota.limit_label()}"


def _username(subject: Any) -> Subquery:
    """The username of a counter's ``user:<id>`` subject, in the same query."""
    users = (
        get_user_model()
        .objects.annotate(key=Concat(Value("user:"), "pk", output_field=CharField()))
        .filter(key=subject)
    )
    return Subquery(users.values(get_user_model().USERNAME_FIELD)[:1])
