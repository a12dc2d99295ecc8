"""ModelDesk under uvicorn, one worker, on a throw-away SQLite file or a throw-away PostgreSQL database."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from config.devenv import new_encryption_key

from .client import Target, modeldesk_first_token
from .mock import REPLY_MARKER
from .processes import SERVER_CORE, Processes, Server, free_port, wait_ready

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = "bench.loadkit.settings"
RUN_PATH, STREAM_PATH, PAGE_PATH = "/playground/api/run/", "/playground/api/stream/", "/playground/"


@dataclass(frozen=True)
class Seeded:
    """What ``seed setup`` made: the credential to call through, and a logged-in session with its CSRF token."""

    credential: str
    session: str
    csrf: str

    def headers(self, content_type: str = "application/json") -> dict[str, str]:
        return {
            "Content-Type": content_type,
            "Cookie": f"sessionid={self.session}; csrftoken={self.csrf}",
            "X-CSRFToken": self.csrf,
        }


def environment(database_url: str, settings: str) -> dict[str, str]:
    """The server's environment. The developer's ``.env`` (DEBUG=true) is left out; the rest is inherited, so
    that e.g. ``PLAYGROUND_TITLES=false`` in the shell reaches the server."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings,
        "DJANGO_ENV_FILE": "",
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "CREDENTIAL_ENCRYPTION_KEYS": new_encryption_key(),
        "CREDENTIAL_TEST_ON_SAVE": "false",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
    }


def seed(env: dict[str, str], *args: str, module: str = "bench.loadkit.seed") -> dict[str, Any]:
    """Run ``bench.loadkit.seed`` (or ``module``) with the server's environment; its last output line is JSON."""
    command = [sys.executable, "-m", module, *args]
    result = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode:
        raise RuntimeError(f"seed {args[0]} failed:\n{result.stderr[-3000:]}")
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def setup(env: dict[str, str], mock_url: str) -> Seeded:
    return Seeded(**seed(env, "setup", "--mock-url", f"{mock_url}/v1"))


def start(processes: Processes, name: str, env: dict[str, str]) -> Server:
    port = free_port()
    command = [
        *(sys.executable, "-m", "uvicorn", "config.asgi:application"),
        *("--host", "127.0.0.1", "--port", str(port), "--no-access-log"),
    ]
    server = processes.start(name, command, core=SERVER_CORE, env=env, url=f"http://127.0.0.1:{port}", cwd=ROOT)
    wait_ready(server, "/accounts/login/")
    return server


def run_body(seeded: Seeded, **fields: Any) -> bytes:
    return json.dumps({"credential": seeded.credential, "model_name": "mock-model", "message": "hi", **fields}).encode()


def target(server: Server, seeded: Seeded, *, titles: bool = False) -> Target:
    """Each request a new conversation; with ``titles``, one that asks for a model-made title (a second call)."""
    body = run_body(seeded, title=True) if titles else run_body(seeded)
    return Target(
        url=server.url + RUN_PATH,
        body=body,
        headers=seeded.headers(),
        marker=REPLY_MARKER,
        stream_url=server.url + STREAM_PATH,
        stream_body=body,
        first_token=modeldesk_first_token,
        stream_end=b"event: done",
    )


def floor_target(server: Server, seeded: Seeded) -> Target:
    """The Django floor's endpoints (``bench.loadkit.django_floor``), with the run API's body and session."""
    body = run_body(seeded)
    return Target(
        url=server.url + "/bench/floor/",
        body=body,
        headers=seeded.headers(),
        marker=REPLY_MARKER,
        stream_url=server.url + "/bench/floor/stream/",
        stream_body=body,
        first_token=modeldesk_first_token,
        stream_end=b"event: done",
    )


@contextmanager
def sqlite_database(directory: Path) -> Iterator[str]:
    path = directory / f"modeldesk-{uuid.uuid4().hex[:8]}.sqlite3"
    try:
        yield f"sqlite:///{path}"
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


@contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    """A database made for this run on ``server_url`` (no database name), dropped afterwards even if in use."""
    import psycopg

    name = f"modeldesk_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{server_url}/postgres", autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server_url}/{name}"
    finally:
        with psycopg.connect(f"{server_url}/postgres", autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
