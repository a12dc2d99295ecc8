"""Sealing secret values under a passphrase: a key derived with scrypt, the values encrypted with AES-256-GCM."""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from django.views.decorators.debug import sensitive_variables

from core.errors import ModelDeskError

from .format import ConfigFileError, SealedSecrets

MIN_PASSPHRASE_LENGTH = 12
_AAD = b"modeldesk-config-v1"
_N, _R, _P = 2**15, 8, 1  # scrypt's cost parameters for what we seal
_SCRYPT_MAX_MEMORY = 2**27  # 128 * n * r * p bytes: a crafted file must not make us allocate more
_NONCE_LENGTH = 12

SecretValues = dict[str, dict[str, str]]  # {credential name: {field: plaintext}}


class PassphraseRejected(ModelDeskError):
    """A passphrase too short to protect secrets."""


@dataclass(frozen=True)
class _Sealed:
    """A sealed block's parts, decoded and within the bounds we accept."""

    n: int
    r: int
    p: int
    salt: bytes
    nonce: bytes
    ciphertext: bytes


def passphrase_check(passphrase: str | None) -> str:
    """The passphrase, if it is long enough to seal secrets with. Raises ``PassphraseRejected``."""
    if passphrase is None or len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise PassphraseRejected(f"The passphrase must be at least {MIN_PASSPHRASE_LENGTH} characters long.")
    return passphrase


@sensitive_variables()
def secrets_seal(secrets: SecretValues, passphrase: str) -> SealedSecrets:
    salt, nonce = os.urandom(16), os.urandom(_NONCE_LENGTH)
    sealed = AESGCM(_derive(passphrase, salt, n=_N, r=_R, p=_P)).encrypt(nonce, json.dumps(secrets).encode(), _AAD)
    return SealedSecrets(kdf="scrypt", n=_N, r=_R, p=_P, salt=_b64(salt), nonce=_b64(nonce), ciphertext=_b64(sealed))


@sensitive_variables()
def secrets_open(blob: Mapping[str, Any], passphrase: str) -> SecretValues:
    """The secret values sealed in ``blob``, a block read from a file. Raises ``ConfigFileError``."""
    sealed = _sealed_read(blob)
    try:
        key = _derive(passphrase, sealed.salt, n=sealed.n, r=sealed.r, p=sealed.p)
        secrets = json.loads(AESGCM(key).decrypt(sealed.nonce, sealed.ciphertext, _AAD))
    except (InvalidTag, ValueError):
        raise ConfigFileError("Wrong passphrase, or the secrets were altered.") from None
    if not _is_secret_values(secrets):
        raise ConfigFileError("The decrypted secrets are malformed.")
    return secrets


@sensitive_variables()
def _derive(passphrase: str, salt: bytes, *, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode())


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _sealed_read(blob: Mapping[str, Any]) -> _Sealed:
    """A block's parts. Raises ``ConfigFileError`` if it is not what ``secrets_seal`` writes or costs too much."""
    try:
        n, r, p = (blob[name] for name in ("n", "r", "p"))
        salt, nonce, ciphertext = (
            base64.b64decode(blob[name], validate=True) for name in ("salt", "nonce", "ciphertext")
        )
        sane = blob["kdf"] == "scrypt" and _scrypt_sane(n, r, p) and len(nonce) == _NONCE_LENGTH
    except (KeyError, TypeError, binascii.Error, ValueError):
        sane = False
    if not sane:
        raise ConfigFileError("The 'secrets' block is malformed.")
    return _Sealed(n=n, r=r, p=p, salt=salt, nonce=nonce, ciphertext=ciphertext)


def _scrypt_sane(n: Any, r: Any, p: Any) -> bool:
    """Positive integers, ``n`` a power of two, and no more memory than ``_SCRYPT_MAX_MEMORY``."""
    if not all(type(v) is int and v > 0 for v in (n, r, p)):
        return False
    return n >= 2 and not n & (n - 1) and 128 * n * r * p <= _SCRYPT_MAX_MEMORY


def _is_secret_values(secrets: Any) -> bool:
    return isinstance(secrets, dict) and all(
        isinstance(values, dict) and all(isinstance(v, str) for v in values.values()) for values in secrets.values()
    )
