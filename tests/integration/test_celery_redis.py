"""Celery on a real broker: a worker process consumes from the Redis on this machine.

With CI=true a missing Redis is a failure; elsewhere these tests skip and say why.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from celery.signals import before_task_publish
from django.db import connection

from calls.tasks import credential_test_task
from config.celery import app
from playground.services import compare_run
from tests.redis_service import REDIS_URL, redis_or_skip

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


def _database_url() -> str:
    """The test database, which the worker process must use too."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def _succeeded(log: Path, task: str, count: int) -> bool:
    """Whether the worker logged ``count`` successes of ``task`` (it may still be writing: wait a little)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        text = log.read_text()
        if sum(1 for line in text.splitlines() if f"Task {task}[" in line and "succeeded" in line) >= count:
            return True
        time.sleep(0.1)
    return False


def _forget_connections() -> None:
    """Drop the result backend and broker pool Celery cached for the previous settings."""
    app._local.__dict__.pop("backend", None)
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def worker(tmp_path):
    """A real `celery -A config worker` on its own queue, with the app in this process pointed at Redis."""
    redis_client = redis_or_skip()
    queue = f"modeldesk-test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "CELERY_BROKER_URL": REDIS_URL,
        "DATABASE_URL": _database_url(),
        "DJANGO_ENV_FILE": "",
        "PYTHONUNBUFFERED": "1",
    }
    log = tmp_path / "worker.log"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "info",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    # The app reads Django settings with the CELERY_ namespace, so overrides must use the namespaced names.
    overrides = {
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_RESULT_BACKEND": REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": False,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
    }
    previous = {key: app.conf.get(key) for key in overrides}
    app.conf.update(**overrides)
    _forget_connections()
    try:
        deadline = time.monotonic() + 60
        while "ready" not in log.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the worker did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield redis_client, log
    finally:
        app.conf.update(**previous)
        _forget_connections()
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def published():
    """Every task message this process publishes: name, args, kwargs and headers."""
    messages = []

    def record(sender=None, body=None, headers=None, **kwargs):
        messages.append(repr((sender, body, headers)))

    before_task_publish.connect(record, weak=False)
    yield messages
    before_task_publish.disconnect(record)


def _stored_values(redis_client) -> str:
    return repr([redis_client.dump(key) for key in redis_client.keys("*")])


def test_credential_test_runs_on_a_real_worker(worker, published, point_at, canary):
    redis_client, log = worker
    credential = point_at("openai_compatible")
    result = credential_test_task.delay(str(credential.pk))
    payload = result.get(timeout=60)
    assert payload["ok"] is True and payload["credential_id"] == str(credential.pk)
    credential.refresh_from_db()
    assert credential.check_status == "ok"
    assert _succeeded(log, "calls.credential_test", 1), log.read_text()[-2000:]
    for text in (repr(payload), *published, _stored_values(redis_client), log.read_text()):
        assert canary not in text


def test_compare_run_completes_through_the_broker(worker, published, point_at, canary, admin_user):
    redis_client, log = worker
    credential = point_at("openai_compatible")
    results = compare_run(
        user=admin_user, targets=[(credential, "echo-1"), (credential, "echo-2")], system="", message="through redis"
    )
    assert [r["content"] for r in results] == ["Echo: through redis"] * 2
    assert _succeeded(log, "playground.compare_one", 2), log.read_text()[-2000:]
    for text in (repr(results), *published, _stored_values(redis_client)):
        assert canary not in text
