"""Reads about credentials: the state of their secrets, their status, lookups."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from .crypto import UndecryptableSecret, decrypt, decryptable_by_ring, token_digest
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


def visible_tail(plaintext: str) -> str:
    """At most the last 4 characters, and none at all for values too short to hide the rest."""
    return plaintext[-4:] if len(plaintext) >= 12 else ""


def mask_secret(plaintext: str) -> str:
    """What lists show of a secret: ``••••`` and its visible tail."""
    return _MASK + visible_tail(plaintext)


def mask_record(plaintext: str, token: str) -> dict[str, str]:
    """What ``Credential.masks`` keeps of one secret: its visible tail, tied to the ciphertext it was made from.

    Only the tail is stored, never the mask characters: stored escaped (``\\u2022``), they would end in a digit
    that reads like one more character of the key.
    """
    return {"last4": visible_tail(plaintext), "digest": token_digest(token)}


def stored_mask(credential: Credential, field: str) -> str | None:
    """The mask stored for ``field`` if it was made from the ciphertext stored now, else None."""
    record = credential.masks.get(field) if isinstance(credential.masks, dict) else None
    token = credential.secrets.get(field)
    if not (isinstance(record, dict) and isinstance(token, str)):
        return None
    tail = record.get("last4")
    if not (isinstance(tail, str) and len(tail) <= 4 and record.get("digest") == token_digest(token)):
        return None
    return _MASK + tail


def credential_secret_states(credential: Credential) -> list[SecretState]:
    """One state per secret field of the provider's schema. Computed once per instance, then cached on it.

    Nothing is decrypted for a secret saved with its mask: ``readable`` means the value is in our format under a
    key of the configured ring. A ciphertext altered together with its mask, or copied with it from another row,
    still reads as readable here; it fails when a call decrypts it, which raises ``CredentialNeedsReentry`` (a
    typed error naming the credential and the field) and makes no call.
    """
    cached: list[SecretState] | None = getattr(credential, "_secret_states", None)
    if cached is not None:
        return cached
    states = []
    for field in credential.provider.credential_schema:
        if not field.secret:
            continue
        name = field.name
        token = credential.secrets.get(name)
        readable, mask = _readable_and_mask(credential, name) if token else (False, "")
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


@sensitive_variables()
def _readable_and_mask(credential: Credential, field: str) -> tuple[bool, str]:
    """From the token's key id and the stored mask; a value without a mask of its own is decrypted, once.

    That is a row written before masks were stored (and that the migration could not read), or by a path that
    wrote ``secrets`` alone: its mask then belongs to another ciphertext, and decrypting tells whether it reads.
    """
    token = credential.secrets[field]
    if not decryptable_by_ring(token):
        return False, ""
    mask = stored_mask(credential, field)
    if mask is not None:
        return True, mask
    try:
        return True, mask_secret(decrypt(token, binding=credential.secret_binding(field)))
    except UndecryptableSecret:
        return False, ""


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
