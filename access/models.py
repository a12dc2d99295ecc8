"""Who may spend what: grants of credentials and models, and quotas and budgets on their use.

Nothing is shared until an admin says so: staff who may change credentials use every credential; everyone else
uses only what a ``Grant`` gives them (or a trial ``Quota``, which is a grant to every signed-in user). A
``Quota`` limits calls, tokens or cost per day, month or in total, for a user, a group (shared by its members or
each member's own), a credential, or everyone; ``QuotaCounter`` rows hold the use of each window (or Redis does,
when ``QUOTA_REDIS_URL`` is set: ``access.counters``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from providers.models import ModelTypeChoices, ProviderModel


def _model_types_valid(value: Any) -> None:
    known = set(ModelTypeChoices.values)
    if not isinstance(value, list) or any(item not in known for item in value):
        raise ValidationError(_("Choose model types from: %(types)s.") % {"types": ", ".join(sorted(known))})


class Subject(models.Model):
    """Who a grant or a quota is for: one user, one group, or (neither) every signed-in user."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    group = models.ForeignKey(
        Group, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("group")
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True

    def subject_label(self) -> str:
        if self.user_id:
            return str(_("user %(name)s") % {"name": self.user})
        if self.group_id:
            return str(_("group %(name)s") % {"name": self.group})
        return str(_("everyone"))

    def _check_subject(self, errors: dict[str, Any]) -> None:
        if self.user_id and self.group_id:
            errors["group"] = _("Choose a user or a group, not both (neither: every signed-in user).")


class Grant(Subject):
    """The use of one credential: all its models, or only those listed; of every model type, or only some."""

    credential = models.ForeignKey(
        "credentials.Credential", on_delete=models.CASCADE, related_name="grants", verbose_name=_("credential")
    )
    only_models = models.ManyToManyField(
        ProviderModel,
        blank=True,
        related_name="+",
        verbose_name=_("models"),
        help_text=_("Leave empty for every model of the credential, model names typed by hand included."),
    )
    model_types = models.JSONField(
        _("model types"),
        default=list,
        blank=True,
        validators=[_model_types_valid],
        help_text=_("Leave empty for every type."),
    )

    class Meta:
        ordering = ["credential__name", "pk"]
        verbose_name = _("grant")
        verbose_name_plural = _("grants")

    def __str__(self) -> str:
        return f"{self.subject_label()}: {self.credential}"

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        self._check_subject(errors)
        if errors:
            raise ValidationError(errors)


class Metric(models.TextChoices):
    CALLS = "calls", _("calls")
    TOKENS = "tokens", _("tokens")
    COST = "cost", _("cost")


class Window(models.TextChoices):
    DAY = "day", _("per day")
    MONTH = "month", _("per month")
    TOTAL = "total", _("in total")


class Quota(Subject):
    """A limit on calls, tokens or cost in a window, checked before every call it covers.

    It covers the calls of its subject (a user; a group's members; with neither, every caller), on its credential
    if one is set, of its models if any are listed. ``per_user`` gives each user a counter of their own (a group's
    members, a credential's users); otherwise they share one. A ``trial`` quota is also a grant: every signed-in
    user may use its credential (its models, if listed), each up to the limit.
    """

    credential = models.ForeignKey(
        "credentials.Credential",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="quotas",
        verbose_name=_("credential"),
        help_text=_("Leave empty to count calls on every credential."),
    )
    only_models = models.ManyToManyField(
        ProviderModel,
        blank=True,
        related_name="+",
        verbose_name=_("models"),
        help_text=_("Leave empty to count calls of every model."),
    )
    metric = models.CharField(_("counts"), max_length=8, choices=Metric.choices, default=Metric.CALLS)
    window = models.CharField(_("window"), max_length=8, choices=Window.choices, default=Window.DAY)
    limit = models.DecimalField(
        _("limit"),
        max_digits=16,
        decimal_places=4,
        validators=[MinValueValidator(Decimal(0))],
        help_text=_(
            "Calls or tokens (a whole number), or a cost in the currency below. A call that would pass it "
            "is refused before it is sent."
        ),
    )
    currency = models.CharField(
        _("currency"),
        max_length=3,
        blank=True,
        help_text=_(
            "For a cost limit: the currency its model prices are in (CNY, USD ...). Calls priced in "
            "another currency are not counted."
        ),
    )
    warn_percent = models.PositiveSmallIntegerField(
        _("warn at (%)"),
        default=80,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Past this share of the limit, replies carry a warning."),
    )
    per_user = models.BooleanField(
        _("each user's own"),
        default=False,
        help_text=_(
            "Each user gets the whole limit (a group's members, a credential's users); otherwise they share it."
        ),
    )
    trial = models.BooleanField(
        _("shared trial"),
        default=False,
        help_text=_(
            "Every signed-in user may use the credential (its listed models, if any), each up to the "
            "limit: a trial before they add a provider of their own."
        ),
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = _("quota")
        verbose_name_plural = _("quotas")

    def __str__(self) -> str:
        values = {"who": self.subject_label(), "limit": self.limit_label(), "window": self.get_window_display()}
        if self.credential_id:
            return str(_("%(who)s on %(credential)s: %(limit)s %(window)s") % {**values, "credential": self.credential})
        return str(_("%(who)s: %(limit)s %(window)s") % values)

    @property
    def own_counter(self) -> bool:
        """Whether each user counts on their own: a user's quota, a per-user one, or a trial."""
        return bool(self.user_id or self.per_user or self.trial)

    def limit_label(self) -> str:
        from .money import quantity_label

        return quantity_label(self.metric, self.limit, self.currency)

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        self._check_subject(errors)
        if self.metric == Metric.COST and not self.currency:
            errors["currency"] = _("A cost limit needs the currency it counts.")
        if self.metric != Metric.COST and self.limit is not None and self.limit != int(self.limit):
            errors["limit"] = _("A limit of calls or tokens is a whole number.")
        if self.currency:
            self.currency = self.currency.upper()
            if not (len(self.currency) == 3 and self.currency.isalpha()):
                errors["currency"] = _("A currency is a 3-letter code, like CNY or USD.")
        if self.trial and (self.user_id or self.group_id):
            errors["trial"] = _("A shared trial is for every signed-in user: leave the user and the group empty.")
        if self.trial and not self.credential_id:
            errors["credential"] = _("A shared trial needs the credential it shares.")
        if errors:
            raise ValidationError(errors)


class QuotaCounter(models.Model):
    """A quota's use in one window: shared (``subject`` empty) or one user's (``user:<id>``)."""

    quota = models.ForeignKey(Quota, on_delete=models.CASCADE, related_name="counters", verbose_name=_("quota"))
    subject = models.CharField(_("counted for"), max_length=64, blank=True)
    window_start = models.DateTimeField(_("window start"))
    used = models.DecimalField(_("used"), max_digits=20, decimal_places=8, default=Decimal(0))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-window_start", "quota", "subject"]
        verbose_name = _("quota use")
        verbose_name_plural = _("quota use")
        constraints = [
            models.UniqueConstraint(fields=["quota", "subject", "window_start"], name="access_counter_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.quota_id}/{self.subject or '*'}@{self.window_start:%Y-%m-%d}: {self.used}"
