"""Encryption of secrets at rest: format, binding, tampering, unknown keys."""

from __future__ import annotations

import pytest

from credentials.crypto import (
    FORMAT_VERSION,
    KeySettingError,
    UndecryptableSecret,
    decrypt,
    decryptable_by_ring,
    encrypt,
    generate_key,
    key_ring,
    parse_key_ring,
    token_digest,
    token_key_id,
)


def test_round_trip_carries_version_and_key_id(settings):
    """A stored value names its format version and the id of the key that wrote it."""
    token = encrypt("sk-secret-value", binding="row-1:api_key")
    version, kid, _payload = token.split(":")
    assert version == FORMAT_VERSION
    assert kid == key_ring().primary.kid == token_key_id(token)
    assert "sk-secret-value" not in token
    assert decrypt(token, binding="row-1:api_key") == "sk-secret-value"


def test_same_plaintext_encrypts_differently_each_time():
    """A fresh nonce per value: equal secrets do not produce equal ciphertexts."""
    assert encrypt("x" * 20, binding="b") != encrypt("x" * 20, binding="b")


@pytest.mark.parametrize("other", ["row-2:api_key", "row-1:secret_key"])
def test_ciphertext_is_bound_to_its_row_and_field(other):
    """A value copied into another row or another field does not decrypt."""
    token = encrypt("sk-secret-value", binding="row-1:api_key")
    with pytest.raises(UndecryptableSecret):
        decrypt(token, binding=other)


def test_flipped_byte_is_detected():
    """Authenticated encryption: any change to the payload is rejected."""
    token = encrypt("sk-secret-value", binding="b")
    head, payload = token.rsplit(":", 1)
    flipped = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1]
    with pytest.raises(UndecryptableSecret):
        decrypt(f"{head}:{flipped}", binding="b")


def test_value_under_unknown_key_names_the_key_id(settings):
    """A value written under a key that is no longer configured says which key it needs."""
    token = encrypt("sk-secret-value", binding="b")
    settings.CREDENTIAL_ENCRYPTION_KEYS = generate_key()
    with pytest.raises(UndecryptableSecret, match=token_key_id(token) or "-"):
        decrypt(token, binding="b")


@pytest.mark.parametrize("garbage", ["", "plaintext", "v9:abcd:xyz", "v1:abcd"])
def test_values_not_in_our_format_do_not_decrypt(garbage):
    with pytest.raises(UndecryptableSecret):
        decrypt(garbage, binding="b")


@pytest.mark.parametrize(
    "raw, fragment",
    [
        ("", "not set"),
        ("   ,  ", "not set"),
        ("too-short", "key #1"),
        (f"{generate_key()},!!notbase64!!", "key #2"),
    ],
)
def test_malformed_key_setting_is_named(raw, fragment):
    """The error names the setting and the position of the bad key, never the key itself."""
    with pytest.raises(KeySettingError) as info:
        parse_key_ring(raw)
    assert "CREDENTIAL_ENCRYPTION_KEYS" in str(info.value)
    assert fragment in str(info.value)


def test_duplicate_keys_are_rejected():
    key = generate_key()
    with pytest.raises(KeySettingError, match="twice"):
        parse_key_ring(f"{key},{key}")


def test_every_key_decrypts_and_the_first_encrypts(settings):
    old_token = encrypt("sk-old", binding="b")
    old_kid = token_key_id(old_token)
    settings.CREDENTIAL_ENCRYPTION_KEYS = f"{generate_key()},{settings.CREDENTIAL_ENCRYPTION_KEYS}"
    assert decrypt(old_token, binding="b") == "sk-old"
    assert token_key_id(encrypt("sk-new", binding="b")) != old_kid


def test_a_value_under_a_configured_key_is_decryptable_by_the_ring_without_decrypting(settings, second_key):
    """Judged from the format and the key id alone: any key of the ring will do, not only the first."""
    old_ring = parse_key_ring(settings.CREDENTIAL_ENCRYPTION_KEYS.split(",")[1])
    assert decryptable_by_ring(encrypt("sk-secret-value", binding="b"))
    assert decryptable_by_ring(encrypt("sk-secret-value", binding="b", ring=old_ring))


@pytest.mark.parametrize("token", ["", "plaintext", "v9:abcd:xyz", "v1:abcd", "v1:00000000:AAAA"])
def test_a_value_in_another_format_or_under_an_unknown_key_is_not_decryptable_by_the_ring(token):
    assert not decryptable_by_ring(token)


def test_a_value_under_a_removed_key_is_not_decryptable_by_the_ring(settings):
    token = encrypt("sk-secret-value", binding="b")
    settings.CREDENTIAL_ENCRYPTION_KEYS = generate_key()
    assert not decryptable_by_ring(token)


def test_a_tampered_value_still_passes_the_ring_check_and_fails_when_decrypted():
    """The ring check does not decrypt: an altered payload is only found by ``decrypt``."""
    token = encrypt("sk-secret-value", binding="b")
    tampered = token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB")
    assert decryptable_by_ring(tampered)
    with pytest.raises(UndecryptableSecret):
        decrypt(tampered, binding="b")


def test_the_digest_of_a_value_changes_with_every_encryption_and_never_holds_the_plaintext():
    first, second = encrypt("sk-secret-value", binding="b"), encrypt("sk-secret-value", binding="b")
    assert token_digest(first) == token_digest(first) != token_digest(second)
    assert "secret" not in token_digest(first)
