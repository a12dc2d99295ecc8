"""Credentials keep the mask lists show of each secret, so that no list decrypts a secret per row.

The masks of existing rows are computed here, decrypting each secret once with the configured keys. A value
that cannot be decrypted (altered, or under a key that is no longer configured) gets no mask, and neither does
any row when the key setting is missing or malformed. Lists then judge such a value by its key id, and decrypt
it to show it when its key is configured, until it is entered again or ``rotate_encryption_keys`` runs. The
migration never fails on such a row.

The mask rule and the binding are frozen here as this migration knows them; the digest is ``credentials.crypto``'s
(a stored mask whose digest does not match is not used, so nothing shows wrong if it ever changes).
"""

from django.db import migrations, models
from django.views.decorators.debug import sensitive_variables

from credentials.crypto import KeySettingError, UndecryptableSecret, decrypt, key_ring, token_digest

BATCH = 500


def mask_record(plaintext, token):
    """At most the last 4 characters, none for values under 12; tied to the ciphertext it was made from."""
    return {"last4": plaintext[-4:] if len(plaintext) >= 12 else "", "digest": token_digest(token)}


@sensitive_variables()
def masks_of(row, ring):
    masks = {}
    for field, token in (row.secrets if isinstance(row.secrets, dict) else {}).items():
        try:
            plaintext = decrypt(token, binding=f"credentials.credential:{row.pk}:{field}", ring=ring)
        except UndecryptableSecret:
            continue
        masks[field] = mask_record(plaintext, token)
    return masks


def fill_masks(apps, schema_editor):
    Credential = apps.get_model("credentials", "Credential")
    try:
        ring = key_ring()
    except KeySettingError:
        return
    rows = Credential.objects.only("pk", "secrets", "masks").order_by("pk")
    batch = list(rows[:BATCH])
    while batch:
        for row in batch:
            row.masks = masks_of(row, ring)
        Credential.objects.bulk_update([row for row in batch if row.masks], ["masks"])
        batch = list(rows.filter(pk__gt=batch[-1].pk)[:BATCH])


class Migration(migrations.Migration):
    dependencies = [
        ("credentials", "0003_last_check_tried"),
    ]

    operations = [
        migrations.AddField(
            model_name="credential",
            name="masks",
            field=models.JSONField(blank=True, default=dict, editable=False, verbose_name="secret masks"),
        ),
        migrations.RunPython(fill_masks, migrations.RunPython.noop),
    ]
