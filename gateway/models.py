"""The OpenAI-compatible gateway's rows: API keys (shown once; only a SHA-256 digest and a visible prefix are
stored) and routes, each a public model name served by weighted, prioritised deployments."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiKey(models.Model):
    name = models.CharField(_("name"), max_length=100)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_keys",
        verbose_name=_("owner"),
        help_text=_("Calls made with the key are the owner's: their grants and quotas apply."),
    )
    prefix = models.CharField(_("prefix"), max_length=16, editable=False, db_index=True)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    allowed_models = models.JSONField(
        _("models"),
        default=list,
        blank=True,
        help_text=_("Names the key may call (credential/model); empty: every model its owner may use."),
    )
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    rpm_limit = models.PositiveIntegerField(
        _("requests per minute"), null=True, blank=True, help_text=_("Empty: no limit. Shared by every process.")
    )
    tpm_limit = models.PositiveIntegerField(
        _("tokens per minute"), null=True, blank=True, help_text=_("Empty: no limit. Shared by every process.")
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def usable(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class Route(models.Model):
    """A public model name (``team-chat``) served by one or more deployments."""

    name = models.CharField(
        _("name"),
        max_length=200,
        unique=True,
        help_text=_("The model name applications send, e.g. team-chat."),
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    cooldown_seconds = models.PositiveIntegerField(
        _("cooldown (seconds)"),
        default=60,
        help_text=_(
            "How long a deployment that failed with 429, 5xx, a timeout or an auth error is left out; "
            "a longer Retry-After from the provider wins."
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("route")
        verbose_name_plural = _("routes")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Deployment(models.Model):
    """A credential and a provider model name serving a route."""

    route = models.ForeignKey(Route, on_delete=models.CASCADE, related_name="deployments", verbose_name=_("route"))
    credential = models.ForeignKey(
        "credentials.Credential", on_delete=models.CASCADE, related_name="deployments", verbose_name=_("credential")
    )
    model = models.CharField(_("model"), max_length=200, help_text=_("The provider's model name."))
    weight = models.PositiveIntegerField(
        _("weight"), default=1, help_text=_("Share of the traffic among deployments of the same priority.")
    )
    priority = models.PositiveIntegerField(
        _("priority"), default=1, help_text=_("1 is tried first; higher numbers serve when those are cooling down.")
    )
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        verbose_name = _("deployment")
        verbose_name_plural = _("deployments")
        ordering = ["priority", "-weight", "id"]

    def __str__(self) -> str:
        return f"{self.credential}/{self.model}"
