"""Reads about credentials: the state of their secrets, their status, lookups."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from .crypto import UndecryptableSecret, decrypt
from .models import Credential
from .schema import MASK_CHARACTER

NEEDS_REENTRY = "needs_reentry"
STATUS_LABELS = {
    "unchecked": _("unchecked"),
    "ok": _("ok"),
    "failed": _("failed"),
    NEEDS_REENTRY: _("needs re-entry"),
}
_MASK = MASK_CHARACTER * 4


@dataclass(frozen=True)
class SecretState:
    field: str
    label: str
    required: bool
    stored: bool
    readable: bool
    mask: str


def mask_secret(plaintext: str) -> str:
    """At most the last 4 characters, and none at all for values too short to hide the rest."""
    return _MASK + plaintext[-4:] if len(plaintext) >= 12 else _MASK


def credential_secret_states(credential: Credential) -> list[SecretState]:
    """One state per secret field of the provider's schema. Computed once per instance, then cached on it."""
    cached: list[SecretState] | None = getattr(credential, "_secret_states", None)
    if cached is not None:
        return cached
    states = []
    for field in credential.provider.credential_schema:
        if not field.secret:
            continue
        name = field.name
        token = credential.secrets.get(name)
        readable, mask = False, ""
        if token:
            try:
                mask = mask_secret(decrypt(token, binding=credential.secret_binding(name)))
                readable = True
            except UndecryptableSecret:
                pass
        states.append(
            SecretState(
                field=name,
                label=str(field.label),
                required=field.required,
                stored=bool(token),
                readable=readable,
                mask=mask,
            )
        )
    credential._secret_states = states  # type: ignore[attr-defined]
    return states


def credential_needs_reentry(credential: Credential) -> bool:
    """A stored secret that cannot be decrypted, or a required one that is missing (e.g. after an import)."""
    return any(
        (state.stored and not state.readable) or (state.required and not state.stored)
        for state in credential_secret_states(credential)
    )


def credential_status(credential: Credential) -> str:
    return NEEDS_REENTRY if credential_needs_reentry(credential) else credential.check_status


def credential_list() -> QuerySet[Credential]:
    return Credential.objects.select_related("provider")
