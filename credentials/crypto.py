"""Authenticated encryption of credential secrets (AES-256-GCM) under a ring of keys.

A stored value looks like ``v1:<key id>:<base64url(nonce || ciphertext || tag)>``. The associated data binds it
to one row and one field, so a ciphertext copied anywhere else fails to decrypt. Keys come from
``settings.CREDENTIAL_ENCRYPTION_KEYS``: a comma-separated list of url-safe base64 keys of 32 bytes, where the
first key encrypts and every key decrypts. Key ids are derived from the key bytes, never configured.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
from dataclasses import dataclass, field
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.views.decorators.debug import sensitive_variables

from core.errors import ConfigurationError, ModelDeskError

FORMAT_VERSION = "v1"
SETTING = "CREDENTIAL_ENCRYPTION_KEYS"
_NONCE_BYTES = 12


class KeySettingError(ConfigurationError):
    """CREDENTIAL_ENCRYPTION_KEYS is missing or malformed."""


class UndecryptableSecret(ModelDeskError):
    """A stored value was altered, copied from elsewhere, or written under a key that is no longer configured."""


@dataclass(frozen=True)
class Key:
    kid: str
    material: bytes = field(repr=False)
    cipher: AESGCM = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "cipher", AESGCM(self.material))  # the key schedule, computed once


@dataclass(frozen=True)
class KeyRing:
    keys: tuple[Key, ...]

    @property
    def primary(self) -> Key:
        return self.keys[0]

    def find(self, kid: str) -> Key | None:
        return next((key for key in self.keys if key.kid == kid), None)


def generate_key() -> str:
    """A fresh key in the format CREDENTIAL_ENCRYPTION_KEYS expects."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def key_id(material: bytes) -> str:
    return hashlib.sha256(b"modeldesk-key-id:" + material).hexdigest()[:8]


@sensitive_variables()
def parse_key_ring(raw: str) -> KeyRing:
    """Parse the setting's value; the error message names the setting but never echoes a key."""
    entries = [part.strip() for part in (raw or "").split(",") if part.strip()]
    if not entries:
        raise KeySettingError(f"{SETTING} is not set. Generate a key with `python -m config.devenv --print-key`.")
    keys = []
    for position, entry in enumerate(entries, start=1):
        try:
            material = base64.urlsafe_b64decode(entry.encode("ascii"))
        except (binascii.Error, ValueError, UnicodeEncodeError):
            material = b""
        if len(material) != 32:
            raise KeySettingError(
                f"{SETTING}: key #{position} is not url-safe base64 of 32 bytes. "
                "Generate one with `python -m config.devenv --print-key`."
            )
        keys.append(Key(kid=key_id(material), material=material))
    if len({key.kid for key in keys}) != len(keys):
        raise KeySettingError(f"{SETTING} lists the same key twice.")
    return KeyRing(keys=tuple(keys))


@lru_cache(maxsize=4)
def _cached_ring(raw: str) -> KeyRing:
    return parse_key_ring(raw)


def key_ring() -> KeyRing:
    return _cached_ring(getattr(settings, SETTING, ""))


def _aad(binding: str) -> bytes:
    return f"modeldesk:{FORMAT_VERSION}:{binding}".encode()


@sensitive_variables()
def encrypt(plaintext: str, *, binding: str, ring: KeyRing | None = None) -> str:
    key = (ring or key_ring()).primary
    nonce = os.urandom(_NONCE_BYTES)
    sealed = key.cipher.encrypt(nonce, plaintext.encode(), _aad(binding))
    payload = base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")
    return f"{FORMAT_VERSION}:{key.kid}:{payload}"


def token_key_id(token: str) -> str | None:
    """The key id a stored value claims, or None when it is not in our format."""
    parts = token.split(":") if isinstance(token, str) else []
    return parts[1] if len(parts) == 3 and parts[0] == FORMAT_VERSION else None


def decryptable_by_ring(token: str, *, ring: KeyRing | None = None) -> bool:
    """Whether a stored value is in our format and names a key of the ring, judged without decrypting it.

    A value that passes can still fail to decrypt: altered, or copied from another row or field. That is only
    found when ``decrypt`` runs, which raises ``UndecryptableSecret`` (at call time, ``CredentialNeedsReentry``).
    """
    kid = token_key_id(token)
    return kid is not None and (ring or key_ring()).find(kid) is not None


def token_digest(token: str) -> str:
    """A short digest of a stored value (the ciphertext, never the plaintext), to tie a stored mask to it."""
    return hashlib.sha256(token.encode()).hexdigest()[:16]


@sensitive_variables()
def decrypt(token: str, *, binding: str, ring: KeyRing | None = None) -> str:
    kid = token_key_id(token)
    if kid is None:
        raise UndecryptableSecret("the stored value is not in a known format")
    key = (ring or key_ring()).find(kid)
    if key is None:
        raise UndecryptableSecret(f"the stored value was written under key {kid}, which is not configured")
    payload = token.split(":", 2)[2]
    try:
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        plaintext = key.cipher.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], _aad(binding))
    except (InvalidTag, binascii.Error, ValueError):
        raise UndecryptableSecret("the stored value was altered or belongs to another record") from None
    return plaintext.decode()
