"""The key setting is checked when Django starts."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from credentials.checks import check_encryption_keys


@pytest.mark.parametrize("value", ["", "not-a-key"])
def test_missing_or_malformed_key_setting_is_a_system_check_error(settings, value):
    settings.CREDENTIAL_ENCRYPTION_KEYS = value
    errors = check_encryption_keys()
    assert [e.id for e in errors] == ["credentials.E001"]
    assert "CREDENTIAL_ENCRYPTION_KEYS" in errors[0].msg
    with pytest.raises(SystemCheckError, match="CREDENTIAL_ENCRYPTION_KEYS"):
        call_command("check")


def test_valid_key_setting_passes_the_check():
    assert check_encryption_keys() == []
