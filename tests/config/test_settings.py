"""Settings: the development .env, the production deploy check, languages."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from config.devenv import ensure_env
from credentials.crypto import parse_key_ring

ROOT = Path(__file__).resolve().parents[2]


def test_devenv_writes_keys_once_and_never_changes_them(tmp_path, monkeypatch):
    for name in ("DEBUG", "SECRET_KEY", "CREDENTIAL_ENCRYPTION_KEYS"):
        monkeypatch.delenv(name, raising=False)
    env_file = tmp_path / ".env"
    assert ensure_env(env_file) == ["DEBUG", "SECRET_KEY", "CREDENTIAL_ENCRYPTION_KEYS"]
    first = env_file.read_text()
    key = next(line for line in first.splitlines() if line.startswith("CREDENTIAL_ENCRYPTION_KEYS="))
    parse_key_ring(key.split("=", 1)[1])
    assert ensure_env(env_file) == []
    assert env_file.read_text() == first
    assert oct(env_file.stat().st_mode & 0o777) == "0o600"


def test_devenv_respects_a_key_set_in_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("CREDENTIAL_ENCRYPTION_KEYS", "already-set-elsewhere")
    env_file = tmp_path / ".env"
    assert "CREDENTIAL_ENCRYPTION_KEYS" not in ensure_env(env_file)


PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "x" * 20 + "-production-secret-key-with-enough-entropy-0123456789",
    "ALLOWED_HOSTS": "modeldesk.example.com",
    "CREDENTIAL_ENCRYPTION_KEYS": "ULcpSOwDQmSmVZU8G82-Zty_85Xa7x3yclf4BS2fj1c=",
    "DATABASE_URL": "sqlite:////tmp/modeldesk-deploy-check.sqlite3",
    "DJANGO_ENV_FILE": "",
}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    owned = {*PRODUCTION_ENV, "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in owned}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check_without_warnings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stderr


@pytest.mark.parametrize("missing", ["SECRET_KEY", "CREDENTIAL_ENCRYPTION_KEYS"])
def test_production_refuses_to_start_without_its_secrets(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = _manage("check", "--deploy", env=env)
    assert result.returncode != 0
    assert missing in result.stderr


POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
POOL_PROBE = (
    "from django.db import connection; connection.ensure_connection(); "
    "print(type(connection.pool).__name__, connection.pool.max_size, connection.settings_dict['CONN_MAX_AGE'])"
)


def _postgres_shell(probe: str) -> Any:
    """``probe`` run by ``manage.py shell`` with production settings on PostgreSQL; skipped (a failure with
    CI=true) when no server answers."""
    result = _manage("shell", "-v", "0", "-c", probe, env={**PRODUCTION_ENV, "DATABASE_URL": POSTGRES_URL})
    if result.returncode != 0 and "connection" in result.stderr.lower():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true requires PostgreSQL at {POSTGRES_URL}: {result.stderr[-300:]}")
        pytest.skip(f"no PostgreSQL at {POSTGRES_URL}; set CI=true to require it")
    assert result.returncode == 0, result.stderr
    return result


def test_production_keeps_postgresql_connections_in_a_pool():
    """A connection per request cost about 13 ms on PostgreSQL: production settings use Django's psycopg pool."""
    env = {**PRODUCTION_ENV, "DATABASE_URL": POSTGRES_URL}
    result = _postgres_shell(POOL_PROBE)
    assert result.stdout.split() == ["ConnectionPool", "20", "0"]
    off = _manage(
        "shell", "-c", POOL_PROBE.replace("connection.ensure_connection(); ", ""), env={**env, "DATABASE_POOL": "false"}
    )
    assert off.returncode != 0 and "NoneType" in off.stderr  # no pool: Django's own connections


RELEASE_PROBE = (
    "from django.db import connection; from core.db import release_pooled_connections; "
    "connection.ensure_connection(); held = connection.connection is not None; release_pooled_connections(); "
    "released = connection.connection is None; cursor = connection.cursor(); cursor.execute('SELECT 1'); "
    "print(held, released, cursor.fetchone()[0])"
)


def test_a_provider_call_gives_its_pooled_connection_back_and_the_next_query_takes_one_again():
    """``calls.resolve.call_prepare`` releases it: calls in flight are not bounded by the pool's size."""
    result = _postgres_shell(RELEASE_PROBE)
    assert result.stdout.split() == ["True", "True", "1"]
