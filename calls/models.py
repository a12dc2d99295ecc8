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
