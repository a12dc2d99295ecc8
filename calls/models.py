"""What the call layer keeps: the default model per type, and one log row per call.

Both tables were created by the providers app; ``calls/migrations/0001_initial.py`` took them over without
touching a row.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from providers.models import ModelTypeChoices, Provider, ProviderModel


class DefaultModel(models.Model):
    """The model (and the credential that pays for it) used when a caller does not name one."""

    model_type = models.CharField(_("type"), max_length=32, choices=ModelTypeChoices.choices, unique=True)
    model = models.ForeignKey(ProviderModel, on_delete=models.CASCADE, verbose_name=_("model"))
    credential = models.ForeignKey("credentials.Credential", on_delete=models.CASCADE, verbose_name=_("credential"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["model_type"]
        verbose_name = _("default model")
        verbose_name_plural = _("default models")

    def __str__(self) -> str:
        return f"{self.get_model_type_display()}: {self.model}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        model = self.model if self.model_id else None
        credential = self.credential if self.credential_id else None
        if model is not None:
            if model.model_type != self.model_type:
                errors["model"] = str(
                    _("%(model)s is a %(actual)s model, not a %(expected)s model.")
                    % {"model": model, "actual": model.model_type, "expected": self.model_type}
                )
            elif not model.enabled:
                errors["model"] = str(_("%(model)s is disabled. Enable it first.") % {"model": model})
        if model is not None and credential is not None and model.credential_id not in (None, credential.pk):
            errors["credential"] = str(
                _("%(model)s is served only by the credential %(owner)s.") % {"model": model, "owner": model.credential}
            )
        elif model is not None and credential is not None and credential.provider_id != model.provider_id:
            errors["credential"] = str(
                _(
                    "The credential %(credential)s belongs to %(cred_provider)s, "
                    "but the model is served by %(provider)s."
                )
                % {
                    "credential": credential.name,
                    "cred_provider": credential.provider,
                    "provider": model.provider,
                }
            )
        if errors:
            raise ValidationError(errors)


class CallStatus(models.TextChoices):
    OK = "ok", _("ok")
    ERROR = "error", _("error")


class Operation(models.TextChoices):
    CHAT = "chat", _("chat")
    CHAT_STREAM = "chat_stream", _("chat (streaming)")
    EMBED = "embed", _("embeddings")
    RERANK = "rerank", _("rerank")
    TRANSCRIBE = "transcribe", _("speech to text")
    LIST_MODELS = "list_models", _("list models")
    TEST_CREDENTIAL = "test_credential", _("connection test")


class CallLog(models.Model):
    """One call through the service layer. Messages are redacted before they are stored."""

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    provider = models.ForeignKey(
        Provider, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("provider")
    )
    credential = models.ForeignKey(
        "credentials.Credential",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("credential"),
    )
    model = models.CharField(_("model"), max_length=200, blank=True)
    # The gateway's API key (``gateway.ApiKey``'s id) whose request made the call; empty outside the gateway.
    # Not a foreign key: the calls layer sits below the gateway, and a deleted key keeps its calls.
    api_key = models.PositiveIntegerField(_("API key"), null=True, blank=True, db_index=True)
    operation = models.CharField(_("operation"), max_length=20, choices=Operation.choices)
    status = models.CharField(_("status"), max_length=8, choices=CallStatus.choices)
    error_type = models.CharField(_("error type"), max_length=40, blank=True)
    message = models.TextField(_("message"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=1)
    latency_ms = models.PositiveIntegerField(_("latency (ms)"), default=0)
    ttft_ms = models.PositiveIntegerField(_("time to first token (ms)"), null=True, blank=True)
    tokens_in = models.PositiveIntegerField(_("tokens in"), null=True, blank=True)
    tokens_out = models.PositiveIntegerField(_("tokens out"), null=True, blank=True)
    tokens_cached = models.PositiveIntegerField(_("cached tokens in"), null=True, blank=True)
    tokens_reasoning = models.PositiveIntegerField(_("reasoning tokens"), null=True, blank=True)
    usage_estimated = models.BooleanField(
        _("usage estimated"), default=False, help_text=_("The provider reported no usage; ModelDesk counted it.")
    )
    finish_reason = models.CharField(_("finish reason"), max_length=32, blank=True)
    cost = models.DecimalField(_("cost"), max_digits=16, decimal_places=8, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("call log")
        verbose_name_plural = _("call logs")

    def __str__(self) -> str:
        return f"{self.operation} {self.model} {self.status}"


# Usage roll-ups: what the usage dashboard and ``manage.py usage`` read instead of scanning every CallLog row.

# Upper bounds (ms, exclusive) of the latency and time-to-first-token histogram buckets, roughly x1.5 apart; a
# last bucket holds everything slower. Percentiles read from summed buckets are approximate (within a bucket's
# width); changing these bounds needs a migration and a re-roll of the history (``usage_rollup(since=...)``).
LATENCY_BOUNDS_MS: tuple[int, ...] = (
    *(50, 100, 150, 200, 300, 500, 700, 1000, 1500, 2000),
    *(3000, 5000, 7000, 10_000, 15_000, 20_000, 30_000, 60_000, 120_000),
)
HISTOGRAMS = ("latency", "ttft")


def histogram_field_names(kind: str) -> list[str]:
    """``latency_b0`` … ``latency_b19``: one count per bucket (the last one is the open-ended bucket)."""
    return [f"{kind}_b{index}" for index in range(len(LATENCY_BOUNDS_MS) + 1)]


class UsageBucket(models.Model):
    """The calls of one period (``start`` on) for one user, credential, provider, model, API key, operation and
    currency.

    Rows are written only by ``calls.usage_rollup``, which replaces a period's rows as a whole. ``cost`` sums the
    priced calls of the row's currency; unpriced calls have a blank currency and add nothing to it.
    """

    start = models.DateTimeField(_("start"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("user")
    )
    provider = models.ForeignKey(
        Provider, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("provider")
    )
    credential = models.ForeignKey(
        "credentials.Credential", on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("credential")
    )
    model = models.CharField(_("model"), max_length=200, blank=True)
    api_key = models.PositiveIntegerField(_("API key"), null=True, blank=True)
    operation = models.CharField(_("operation"), max_length=20, choices=Operation.choices)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    calls = models.PositiveIntegerField(_("calls"), default=0)
    errors = models.PositiveIntegerField(_("errors"), default=0)
    tokens_in = models.BigIntegerField(_("tokens in"), default=0)
    tokens_out = models.BigIntegerField(_("tokens out"), default=0)
    cost = models.DecimalField(_("cost"), max_digits=20, decimal_places=8, default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d %H:%M} {self.model} {self.calls}"


# The histogram columns are plain integers so that the database can sum them over any filter.
for _kind in HISTOGRAMS:
    for _name in histogram_field_names(_kind):
        UsageBucket.add_to_class(_name, models.PositiveIntegerField(default=0, editable=False))
del _kind, _name


class CallUsageHour(UsageBucket):
    """One hour of calls (``start`` is on the hour), rolled up from CallLog."""

    class Meta:
        verbose_name = _("usage per hour")
        verbose_name_plural = _("usage per hour")
        indexes = [models.Index(fields=["start"], name="calls_usage_hour_start")]


class CallUsageDay(UsageBucket):
    """One day of calls (``start`` is midnight in TIME_ZONE), summed from its CallUsageHour rows."""

    class Meta:
        verbose_name = _("usage per day")
        verbose_name_plural = _("usage per day")
        indexes = [models.Index(fields=["start"], name="calls_usage_day_start")]


class Usage(CallUsageDay):
    """The usage dashboard's entry in the admin (its page is the changelist); no table of its own."""

    class Meta:
        proxy = True
        verbose_name = _("usage")
        verbose_name_plural = _("usage")
