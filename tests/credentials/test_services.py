"""Credentials at rest: encryption in the database, re-entry, rotation."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from credentials.crypto import key_ring, token_key_id
from credentials.models import CheckStatus, Credential
from credentials.selectors import NEEDS_REENTRY, credential_secret_states, credential_status
from credentials.services import (
    CredentialNeedsReentry,
    credential_save,
    credential_secret_values,
    encryption_keys_rotate,
)


def _raw_rows() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM credentials_credential")
        return repr(cursor.fetchall())


def _reload(credential: Credential) -> Credential:
    return Credential.objects.select_related("provider").get(pk=credential.pk)


def test_canary_is_absent_from_the_raw_database_row(make_credential, canary):
    credential = make_credential(api_key=canary)
    raw = _raw_rows()
    assert credential.name in raw
    assert canary not in raw
    assert canary[-12:] not in raw
    assert credential_secret_values(_reload(credential)) == {"api_key": canary}


def test_tampered_value_marks_the_credential_as_needing_reentry(make_credential, canary):
    """A tampered secret marks the credential as needing re-entry, and no call can use it."""
    credential = make_credential(api_key=canary)
    token = credential.secrets["api_key"]
    Credential.objects.filter(pk=credential.pk).update(secrets={"api_key": token[:-3] + "AAA"})
    credential = _reload(credential)
    assert credential_status(credential) == NEEDS_REENTRY
    with pytest.raises(CredentialNeedsReentry) as info:
        credential_secret_values(credential)
    assert canary not in str(info.value)
    assert "api_key" in str(info.value)


def test_ciphertext_swapped_between_rows_fails_to_decrypt(make_credential, canary):
    first = make_credential("first", api_key=canary)
    second = make_credential("second", api_key="sk-second-key-0000000")
    Credential.objects.filter(pk=second.pk).update(secrets=first.secrets)
    second = _reload(second)
    assert credential_status(second) == NEEDS_REENTRY
    with pytest.raises(CredentialNeedsReentry):
        credential_secret_values(second)
    assert credential_secret_values(_reload(first)) == {"api_key": canary}


def test_ciphertext_moved_to_another_field_fails_to_decrypt(make_credential, canary):
    credential = make_credential("az", slug="azure_openai", api_key=canary, base_url="https://r.openai.azure.com")
    schema_secrets = credential.provider.secret_field_names()
    assert schema_secrets == ["api_key"]
    # Binding covers the field name even if a schema later gains a second secret field.
    from credentials.crypto import UndecryptableSecret, decrypt

    with pytest.raises(UndecryptableSecret):
        decrypt(credential.secrets["api_key"], binding=credential.secret_binding("other_secret"))


def test_blank_secret_keeps_the_stored_value(make_credential, canary):
    credential = make_credential(api_key=canary)
    before = credential.secrets["api_key"]
    credential_save(provider=credential.provider, name="renamed", values={"api_key": ""}, credential=credential)
    credential = _reload(credential)
    assert credential.name == "renamed"
    assert credential.secrets["api_key"] == before


def test_undecryptable_value_survives_a_save_without_a_new_value(make_credential, canary):
    credential = make_credential(api_key=canary)
    broken = credential.secrets["api_key"][:-3] + "AAA"
    Credential.objects.filter(pk=credential.pk).update(secrets={"api_key": broken})
    credential = _reload(credential)
    credential_save(provider=credential.provider, name=credential.name, values={}, credential=credential)
    assert _reload(credential).secrets["api_key"] == broken


def test_new_secret_resets_the_check_status(make_credential, canary):
    credential = make_credential(api_key=canary)
    Credential.objects.filter(pk=credential.pk).update(check_status=CheckStatus.FAILED, last_error="boom")
    credential = _reload(credential)
    credential_save(
        provider=credential.provider,
        name=credential.name,
        values={"api_key": "sk-new-value-1234"},
        credential=credential,
    )
    credential = _reload(credential)
    assert credential.check_status == CheckStatus.UNCHECKED
    assert credential.last_error == ""


def test_missing_required_secret_is_rejected_on_create(provider):
    with pytest.raises(ValidationError) as info:
        credential_save(provider=provider("openai"), name="x", values={})
    assert "api_key" in info.value.message_dict


def test_mask_shows_at_most_the_last_four_characters(make_credential, canary):
    credential = make_credential(api_key=canary)
    (state,) = credential_secret_states(_reload(credential))
    assert state.mask.endswith(canary[-4:])
    assert canary[-5:] not in state.mask


def test_short_secrets_are_masked_entirely(make_credential):
    credential = make_credential(api_key="abc12345")
    (state,) = credential_secret_states(_reload(credential))
    assert "5" not in state.mask


def test_rotation_loses_nothing_and_old_key_can_then_be_removed(settings, make_credential, canary, second_key):
    old_key = settings.CREDENTIAL_ENCRYPTION_KEYS.split(",")[1]
    settings.CREDENTIAL_ENCRYPTION_KEYS = old_key
    created = [make_credential(f"c{i}", api_key=f"{canary}-{i}") for i in range(5)]
    settings.CREDENTIAL_ENCRYPTION_KEYS = f"{second_key},{old_key}"

    report = encryption_keys_rotate(batch_size=2)

    assert (report.credentials, report.rotated, report.current, report.unreadable) == (5, 5, 0, 0)
    settings.CREDENTIAL_ENCRYPTION_KEYS = second_key
    for i, credential in enumerate(created):
        credential = _reload(credential)
        assert token_key_id(credential.secrets["api_key"]) == key_ring().primary.kid
        assert credential_secret_values(credential) == {"api_key": f"{canary}-{i}"}


def test_interrupted_rotation_resumes(settings, make_credential, canary, second_key, monkeypatch):
    """A run that dies mid-way leaves committed batches done; the next run finishes the rest."""
    old_key = settings.CREDENTIAL_ENCRYPTION_KEYS.split(",")[1]
    settings.CREDENTIAL_ENCRYPTION_KEYS = old_key
    for i in range(5):
        make_credential(f"c{i}", api_key=f"{canary}-{i}")
    settings.CREDENTIAL_ENCRYPTION_KEYS = f"{second_key},{old_key}"

    def crash_after_first_batch(report):
        raise RuntimeError("worker killed")

    with pytest.raises(RuntimeError, match="worker killed"):
        encryption_keys_rotate(batch_size=2, on_batch=crash_after_first_batch)
    report = encryption_keys_rotate(batch_size=2)
    assert (report.rotated, report.current) == (3, 2)
    settings.CREDENTIAL_ENCRYPTION_KEYS = second_key
    assert all(credential_secret_values(c) for c in Credential.objects.select_related("provider"))


def test_dry_run_rotation_writes_nothing(settings, make_credential, canary, second_key):
    old_key = settings.CREDENTIAL_ENCRYPTION_KEYS.split(",")[1]
    settings.CREDENTIAL_ENCRYPTION_KEYS = old_key
    credential = make_credential(api_key=canary)
    before = credential.secrets
    settings.CREDENTIAL_ENCRYPTION_KEYS = f"{second_key},{old_key}"
    report = encryption_keys_rotate(dry_run=True)
    assert report.rotated == 1
    assert _reload(credential).secrets == before


def test_rotation_leaves_unreadable_values_untouched(settings, make_credential, canary, second_key):
    credential = make_credential(api_key=canary)
    broken = credential.secrets["api_key"][:-3] + "AAA"
    Credential.objects.filter(pk=credential.pk).update(secrets={"api_key": broken})
    report = encryption_keys_rotate()
    assert report.unreadable == 1
    assert _reload(credential).secrets["api_key"] == broken
