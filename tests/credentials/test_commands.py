"""create_credential and rotate_encryption_keys, as scripts and cron jobs use them."""

from __future__ import annotations

import json
import logging
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from credentials.crypto import key_ring, token_key_id
from credentials.models import Credential
from credentials.services import credential_secret_values


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_create_credential_reads_the_secret_from_the_environment(catalog, canary, monkeypatch, caplog):
    monkeypatch.setenv("OPENAI_KEY_FOR_TEST", canary)
    with caplog.at_level(logging.DEBUG):
        out = run(
            "create_credential",
            "--provider",
            "openai",
            "--name",
            "ci",
            "--set",
            "organization=org-123",
            "--secret-env",
            "api_key=OPENAI_KEY_FOR_TEST",
        )
    assert "Created credential 'ci' (openai)." in out
    credential = Credential.objects.select_related("provider").get(name="ci")
    assert credential.config["organization"] == "org-123"
    assert credential_secret_values(credential) == {"api_key": canary}
    assert canary not in out
    assert canary not in caplog.text


def test_create_credential_updates_and_keeps_the_stored_secret(catalog, canary, monkeypatch):
    monkeypatch.setenv("K", canary)
    run("create_credential", "--provider", "openai", "--name", "ci", "--secret-env", "api_key=K")
    before = Credential.objects.get(name="ci").secrets
    out = run("create_credential", "--provider", "openai", "--name", "ci", "--set", "project=proj_1", "--json")
    assert json.loads(out)["action"] == "updated"
    credential = Credential.objects.get(name="ci")
    assert credential.secrets == before
    assert credential.config["project"] == "proj_1"


@pytest.mark.parametrize(
    "args, reason",
    [
        (["--provider", "nope", "--name", "x"], "Unknown provider 'nope'"),
        (["--provider", "openai", "--name", "x", "--set", "api_key=sk-123"], "never read from the command line"),
        (["--provider", "openai", "--name", "x", "--secret-env", "api_key=UNSET_VAR_123"], "UNSET_VAR_123"),
        (["--provider", "openai", "--name", "x", "--secret-env", "organization=HOME"], "not a secret field"),
        (["--provider", "openai", "--name", "x"], "Missing secret api_key"),
        (
            ["--provider", "openai", "--name", "x", "--set", "colour=blue", "--secret-env", "api_key=HOME"],
            "Unknown field(s) colour",
        ),
        (
            ["--provider", "openai", "--name", "x", "--set", "base_url=ftp://h", "--secret-env", "api_key=HOME"],
            "base_url",
        ),
        (["--provider", "openai", "--name", "x", "--set", "novalue"], "FIELD=VALUE"),
    ],
)
def test_create_credential_rejects_bad_input_with_one_line(catalog, args, reason, monkeypatch):
    monkeypatch.setattr("sys.stdin.isatty", lambda: False, raising=False)
    with pytest.raises(CommandError) as info:
        call_command("create_credential", *args, stdout=StringIO())
    message = str(info.value)
    assert reason in message
    assert "\n" not in message
    assert "sk-123" not in message
    assert not Credential.objects.exists()


def test_create_credential_prompts_on_a_terminal(catalog, canary, monkeypatch):
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    monkeypatch.setattr("getpass.getpass", lambda prompt: canary)
    run("create_credential", "--provider", "anthropic", "--name", "claude")
    credential = Credential.objects.select_related("provider").get(name="claude")
    assert credential_secret_values(credential) == {"api_key": canary}


def test_create_credential_refuses_to_move_a_name_to_another_provider(catalog, monkeypatch):
    monkeypatch.setenv("K", "sk-abcdefghijklmnop")
    run("create_credential", "--provider", "openai", "--name", "shared", "--secret-env", "api_key=K")
    with pytest.raises(CommandError, match="exists for provider openai"):
        call_command("create_credential", "--provider", "deepseek", "--name", "shared", "--secret-env", "api_key=K")


def test_rotate_command_reports_counts_and_honours_dry_run(settings, catalog, make_credential, second_key):
    old = settings.CREDENTIAL_ENCRYPTION_KEYS.split(",")[1]
    settings.CREDENTIAL_ENCRYPTION_KEYS = old
    credential = make_credential(api_key="sk-rotate-me-123456")
    settings.CREDENTIAL_ENCRYPTION_KEYS = f"{second_key},{old}"

    dry = json.loads(run("rotate_encryption_keys", "--dry-run", "--json"))
    assert (dry["rotated"], dry["dry_run"]) == (1, True)
    assert token_key_id(Credential.objects.get(pk=credential.pk).secrets["api_key"]) != key_ring().primary.kid

    out = run("rotate_encryption_keys", "--batch-size", "1")
    assert "1 secrets re-encrypted, 0 already current, 0 unreadable" in out
    again = json.loads(run("rotate_encryption_keys", "--json"))
    assert (again["rotated"], again["current"]) == (0, 1)
