"""Credentials: the keys and endpoints that pay for and reach a provider."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class CheckStatus(models.TextChoices):
    UNCHECKED = "unchecked", _("unchecked")
    OK = "ok", _("ok")
    FAILED = "failed", _("failed")


class Credential(models.Model):
    """One credential for one provider.

    ``config`` holds the non-secret fields of the provider's schema; ``secrets`` maps each secret field to a
    ciphertext bound to this row's id and that field (see ``credentials.crypto``). The id is a UUID generated
    before the first save so that secrets can be bound to it.

    ``masks`` maps each secret field to what lists show of it (``••••abcd``), written with the secret so that no
    list has to decrypt: ``{"last4": "abcd", "digest": <digest of the ciphertext it was made from>}``. It keeps at
    most the last 4 characters (none for values under 12). One whose digest does not match the stored ciphertext
    (written by a path that changed ``secrets`` alone) is ignored, and the value is decrypted once to show it.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.PROTECT, related_name="credentials", verbose_name=_("provider")
    )
    name = models.CharField(_("name"), max_length=100, unique=True)
    config = models.JSONField(_("settings"), default=dict, blank=True)
    secrets = models.JSONField(_("encrypted secrets"), default=dict, blank=True, editable=False)
    masks = models.JSONField(_("secret masks"), default=dict, blank=True, editable=False)
    enabled = models.BooleanField(_("enabled"), default=True)
    check_status = models.CharField(
        _("last check"), max_length=16, choices=CheckStatus.choices, default=CheckStatus.UNCHECKED
    )
    last_checked_at = models.DateTimeField(_("last checked"), null=True, blank=True)
    last_latency_ms = models.PositiveIntegerField(_("latency (ms)"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    last_check_tried = models.CharField(
        _("last check tried"), max_length=300, blank=True, help_text=_("What the connection test did.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("credential")
        verbose_name_plural = _("credentials")

    def __str__(self) -> str:
        return self.name

    def secret_binding(self, field: str) -> str:
        return f"credentials.credential:{self.pk}:{field}"
