"""Writes and call-time reads of credentials. The only place secrets are encrypted or decrypted."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from core.cache import catalog
from core.errors import ModelDeskError
from providers.models import Provider

from .crypto import UndecryptableSecret, decrypt, encrypt, key_ring, token_key_id
from .models import CheckStatus, Credential
from .schema import clean_values
from .selectors import mask_record
from .signals import credential_saved

logger = logging.getLogger(__name__)


class CredentialNeedsReentry(ModelDeskError):
    error_type = "needs_reentry"

    def __init__(self, credential: Credential, fields: Iterable[str]) -> None:
        names = ", ".join(fields)
        super().__init__(
            f"Credential '{credential.name}' needs re-entry: the stored {names} cannot be decrypted or is "
            "missing. No call was made. An admin can enter it again on the credential's page."
        )
        self.fields = tuple(fields)


@sensitive_variables()
def credential_save(
    *,
    provider: Provider,
    name: str,
    values: Mapping[str, str],
    credential: Credential | None = None,
    clear: Iterable[str] = (),
    enabled: bool | None = None,
) -> Credential:
    """Create or update a credential from schema values.

    Secrets left blank keep their stored ciphertext untouched, even when it can no longer be decrypted;
    ``clear`` removes optional secrets explicitly. Raises ``ValidationError`` for values the schema rejects, and for
    a provider that is no longer in the catalog (its schema is gone, so a save would drop its stored values).
    """
    if not provider.in_catalog:
        raise ValidationError(
            _("%(provider)s is no longer in ModelDesk's catalog: its credentials cannot be changed.")
            % {"provider": provider.slug}
        )
    credential = credential or Credential(provider=provider)
    schema = provider.credential_schema
    secret_names = set(provider.secret_field_names())
    cleaned = clean_values(
        schema,
        dict(values),
        stored_secrets=frozenset(credential.secrets),
        clear=frozenset(clear),
    )
    credential.name = name
    credential.config = {k: v for k, v in cleaned.items() if k not in secret_names}
    new_secrets = {k: v for k, v in cleaned.items() if k in secret_names}
    before = credential.secrets
    kept = {k for k in before if k in secret_names and k not in set(clear)}
    credential.secrets = {k: v for k, v in before.items() if k in kept}
    credential.masks = {k: v for k, v in credential.masks.items() if k in kept}
    for field, plaintext in new_secrets.items():
        credential_secret_seal(credential=credential, field=field, plaintext=plaintext)
    if credential.secrets != before:
        credential.check_status = CheckStatus.UNCHECKED
        credential.last_error = ""
    if enabled is not None:
        credential.enabled = enabled
    credential.full_clean(exclude=["provider", "config", "secrets", "masks"])
    credential.save()
    credential_saved.send(sender=Credential, credential=credential)
    logger.info("credential saved: %s (%s), secrets set: %s", name, provider.slug, sorted(new_secrets) or "none")
    return credential


@sensitive_variables()
def credential_secret_seal(*, credential: Credential, field: str, plaintext: str) -> None:
    """Encrypt one secret onto ``credential``, with the mask lists show of it; the caller saves the row.

    For ``credential_save``, and for writers that build rows themselves (``bulk_create``): a row whose secrets
    are written without their masks is still shown right, at the cost of one decryption per secret per list.
    """
    token = encrypt(plaintext, binding=credential.secret_binding(field))
    credential.secrets = {**credential.secrets, field: token}
    credential.masks = {**credential.masks, field: mask_record(plaintext, token)}


@sensitive_variables()
def credential_secret_values(credential: Credential) -> dict[str, str]:
    """Decrypt every secret of a credential, at call time. Raises ``CredentialNeedsReentry``.

    This is where a ciphertext that lists judged readable (right format, key in the ring) but that was altered
    or copied from another row is found: the call is refused with that typed error before anything is sent.
    """
    values: dict[str, str] = {}
    broken = []
    for field in credential.provider.credential_schema:
        name = field.name
        if not field.secret:
            continue
        token = credential.secrets.get(name)
        if not token:
            if field.required:
                broken.append(name)
            continue
        try:
            values[name] = decrypt(token, binding=credential.secret_binding(name))
        except UndecryptableSecret:
            broken.append(name)
    if broken:
        raise CredentialNeedsReentry(credential, broken)
    return values


@dataclass(frozen=True)
class RotationReport:
    credentials: int
    rotated: int
    current: int
    unreadable: int


def encryption_keys_rotate(
    *,
    batch_size: int = 200,
    dry_run: bool = False,
    on_batch: Callable[[RotationReport], None] | None = None,
) -> RotationReport:
    """Re-encrypt every secret under the first key, and store the mask of every readable one.

    Works in batches ordered by id, each in its own transaction. Values already under the first key are left
    alone, so an interrupted run simply resumes where it stopped when started again. Values that cannot be
    decrypted are counted and never touched. A readable value whose stored mask is missing or belongs to another
    ciphertext gets its mask written (even when it is already current), so lists need not decrypt it.
    """
    ring = key_ring()
    totals = {"credentials": 0, "rotated": 0, "current": 0, "unreadable": 0}
    last_pk = None
    while True:
        with transaction.atomic():
            batch = Credential.objects.order_by("pk").select_for_update()
            if last_pk is not None:
                batch = batch.filter(pk__gt=last_pk)
            rows = list(batch[:batch_size])
            for credential in rows:
                changed = _rotate_one(credential, ring.primary.kid, totals)
                if changed and not dry_run:
                    Credential.objects.filter(pk=credential.pk).update(
                        secrets=credential.secrets, masks=credential.masks
                    )
            if rows and not dry_run:
                catalog.changed()  # an update sends no signal: processes drop their copies of these rows
        if not rows:
            break
        last_pk = rows[-1].pk
        totals["credentials"] += len(rows)
        if on_batch:
            on_batch(RotationReport(**totals))
    return RotationReport(**totals)


@sensitive_variables()
def _rotate_one(credential: Credential, primary_kid: str, totals: dict[str, int]) -> bool:
    """Re-encrypt one credential's secrets in place; every value is verified, even those already current.

    Whether anything changed: a secret re-encrypted, or a mask written.
    """
    rotated = False
    masks = dict(credential.masks)
    for field, token in list(credential.secrets.items()):
        binding = credential.secret_binding(field)
        try:
            plaintext = decrypt(token, binding=binding)
        except UndecryptableSecret:
            totals["unreadable"] += 1
            continue
        if token_key_id(token) == primary_kid:
            totals["current"] += 1
        else:
            credential.secrets[field] = encrypt(plaintext, binding=binding)
            totals["rotated"] += 1
            rotated = True
        masks[field] = mask_record(plaintext, credential.secrets[field])
    changed = rotated or masks != credential.masks
    credential.masks = masks
    return changed
