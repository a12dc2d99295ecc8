"""Credentials at rest: encryption in the database, re-entry, rotation."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from credentials.crypto import encrypt, generate_key, key_ring, token_digest, token_key_id
from credentials.models import CheckStatus, Credential
from credentials.selectors import NEEDS_REENTRY, credential_secret_states, credential_status, stored_mask
from credentials.services import (
    CredentialNeedsReentry,
    credential_save,
    credential_secret_seal,
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
    assert _reload(credential).masks["api_key"]["last4"] == ""


def test_a_saved_secret_stores_its_mask_and_no_more_than_its_last_four_characters(make_credential, canary):
    """The mask is written with the secret, tied to its ciphertext; the row holds no 5 characters of the key."""
    credential = _reload(make_credential(api_key=canary))
    digest = token_digest(credential.secrets["api_key"])
    assert credential.masks == {"api_key": {"last4": canary[-4:], "digest": digest}}
    # The digest is random-looking hex, which could hold those 5 characters by chance: it is left out.
    assert canary[-5:] not in _raw_rows().replace(digest, "")


def test_the_states_of_a_saved_credential_are_read_without_decrypting(make_credential, canary, decryptions):
    credential = make_credential(api_key=canary)
    (state,) = credential_secret_states(_reload(credential))
    assert (state.stored, state.readable, state.mask) == (True, True, "••••" + canary[-4:])
    assert credential_status(_reload(credential)) == CheckStatus.UNCHECKED
    assert decryptions.count == 0


def test_a_value_under_a_key_no_longer_configured_needs_reentry_without_decrypting(
    settings, make_credential, canary, decryptions
):
    credential = make_credential(api_key=canary)
    settings.CREDENTIAL_ENCRYPTION_KEYS = generate_key()
    (state,) = credential_secret_states(_reload(credential))
    assert (state.stored, state.readable, state.mask) == (True, False, "")
    assert credential_status(_reload(credential)) == NEEDS_REENTRY
    assert decryptions.count == 0


def test_a_resaved_secret_gets_a_new_mask(make_credential, canary):
    credential = make_credential(api_key=canary)
    credential_save(
        provider=credential.provider,
        name=credential.name,
        values={"api_key": "sk-new-value-9876"},
        credential=credential,
    )
    credential = _reload(credential)
    assert stored_mask(credential, "api_key") == "••••9876"
    (state,) = credential_secret_states(credential)
    assert state.mask == "••••9876"


def test_a_blank_secret_keeps_its_mask_and_a_cleared_one_drops_it(make_credential):
    credential = make_credential("local", slug="ollama", api_key="ollama-cloud-key-123456")
    before = _reload(credential).masks
    credential_save(provider=credential.provider, name="local", values={}, credential=credential)
    assert _reload(credential).masks == before
    credential_save(provider=credential.provider, name="local", values={}, credential=credential, clear=["api_key"])
    assert _reload(credential).masks == {}


def test_secrets_written_without_their_mask_are_decrypted_once_to_show_it(make_credential, canary, decryptions):
    """A path that writes ``secrets`` alone leaves a mask of another ciphertext: it is not used."""
    credential = make_credential(api_key="sk-first-value-1111")
    new = encrypt(canary, binding=credential.secret_binding("api_key"))
    Credential.objects.filter(pk=credential.pk).update(secrets={"api_key": new})
    credential = _reload(credential)
    assert stored_mask(credential, "api_key") is None
    (state,) = credential_secret_states(credential)
    assert (state.readable, state.mask) == (True, "••••" + canary[-4:])
    credential_secret_states(credential)
    assert decryptions.count == 1


def test_the_seal_sets_secret_and_mask_for_writers_that_save_rows_themselves(make_credential, canary):
    credential = make_credential(api_key="sk-first-value-1111")
    credential_secret_seal(credential=credential, field="api_key", plaintext=canary)
    Credential.objects.bulk_update([credential], ["secrets", "masks"])
    credential = _reload(credential)
    assert stored_mask(credential, "api_key") == "••••" + canary[-4:]
    assert credential_secret_values(credential) == {"api_key": canary}


def test_a_ciphertext_copied_with_its_mask_is_refused_when_a_call_decrypts_it(make_credential, canary):
    """Lists do not decrypt, so they cannot tell; the call does, and refuses with a typed error naming the field."""
    first = make_credential("first", api_key=canary)
    second = make_credential("second", api_key="sk-second-key-0000000")
    Credential.objects.filter(pk=second.pk).update(secrets=first.secrets, masks=first.masks)
    second = _reload(second)
    assert credential_status(second) != NEEDS_REENTRY
    with pytest.raises(CredentialNeedsReentry) as info:
        credential_secret_values(second)
    assert info.value.error_type == "needs_reentry" and info.value.fields == ("api_key",)
    assert "Credential 'second' needs re-entry" in str(info.value) and canary[-8:] not in str(info.value)


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
        assert stored_mask(credential, "api_key") == "••••" + f"{canary}-{i}"[-4:]


def test_rotation_writes_the_masks_that_are_missing_even_of_current_values(make_credential, canary):
    """Rows whose secrets were written without masks get them, and nothing is re-encrypted."""
    credential = make_credential(api_key=canary)
    token = credential.secrets["api_key"]
    Credential.objects.filter(pk=credential.pk).update(masks={})
    report = encryption_keys_rotate()
    assert (report.rotated, report.current) == (0, 1)
    credential = _reload(credential)
    assert credential.secrets["api_key"] == token
    assert stored_mask(credential, "api_key") == "••••" + canary[-4:]


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
    masks = _reload(credential).masks
    report = encryption_keys_rotate(dry_run=True)
    assert report.rotated == 1
    assert (_reload(credential).secrets, _reload(credential).masks) == (before, masks)


def test_rotation_leaves_unreadable_values_untouched(settings, make_credential, canary, second_key):
    credential = make_credential(api_key=canary)
    broken = credential.secrets["api_key"][:-3] + "AAA"
    Credential.objects.filter(pk=credential.pk).update(secrets={"api_key": broken})
    report = encryption_keys_rotate()
    assert report.unreadable == 1
    assert _reload(credential).secrets["api_key"] == broken
