"""Secrets sealed under a passphrase: only that passphrase opens them, and a crafted block cannot cost us much."""

from __future__ import annotations

from typing import Any

import pytest

from transfer.crypto import PassphraseRejected, passphrase_check, secrets_open, secrets_seal
from transfer.format import ConfigFileError

PASSPHRASE = "correct horse battery staple"
SECRETS = {"main": {"api_key": "sk-sealed"}}


@pytest.fixture(scope="module")
def sealed() -> dict[str, Any]:
    return dict(secrets_seal(SECRETS, PASSPHRASE))


def test_sealed_secrets_open_with_their_passphrase_and_show_no_plaintext(sealed):
    assert "sk-sealed" not in str(sealed)
    assert secrets_open(sealed, PASSPHRASE) == SECRETS


def test_each_seal_has_its_own_salt_and_nonce(sealed):
    again = secrets_seal(SECRETS, PASSPHRASE)
    assert (again["salt"], again["nonce"]) != (sealed["salt"], sealed["nonce"])


def test_another_passphrase_does_not_open_them(sealed):
    with pytest.raises(ConfigFileError, match=r"^Wrong passphrase, or the secrets were altered\.$"):
        secrets_open(sealed, PASSPHRASE + "!")


@pytest.mark.parametrize(
    "change",
    [
        {"n": 2**20},  # 1 GiB of memory to derive the key
        {"n": 3},  # not a power of two
        {"r": True},
        {"kdf": "pbkdf2"},
        {"nonce": "AAAA"},
        {"salt": "not base64!"},
        {"ciphertext": None},
    ],
)
def test_a_block_that_is_not_what_we_seal_is_refused_before_any_key_is_derived(sealed, change):
    with pytest.raises(ConfigFileError, match=r"^The 'secrets' block is malformed\.$"):
        secrets_open(sealed | change, PASSPHRASE)


def test_a_block_missing_a_part_is_malformed(sealed):
    with pytest.raises(ConfigFileError, match="malformed"):
        secrets_open({k: v for k, v in sealed.items() if k != "salt"}, PASSPHRASE)


def test_sealed_values_that_are_not_strings_are_refused():
    with pytest.raises(ConfigFileError, match=r"^The decrypted secrets are malformed\.$"):
        secrets_open(dict(secrets_seal({"main": {"api_key": 1}}, PASSPHRASE)), PASSPHRASE)


@pytest.mark.parametrize("passphrase", [None, "", "eleven-char"])
def test_a_short_or_missing_passphrase_is_rejected(passphrase):
    with pytest.raises(PassphraseRejected, match="at least 12 characters"):
        passphrase_check(passphrase)
    assert passphrase_check("twelve-chars") == "twelve-chars"
