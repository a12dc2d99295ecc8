"""The canary sweep: a planted key, every way a call can go (well, and wrong in every fault the fake provider has,
the provider echoing the key in its body, its headers and long messages), and then a search of everything
ModelDesk wrote or showed for the key and for any 8-character fragment of it. Zero hits.

Searched: the database (each table's rows as text, and on SQLite the database file and its WAL), ``dumpdata``,
every log record at DEBUG (ours, httpx's, httpcore's), every admin page (lists and each object's change page),
the playground's HTML, JSON and server-sent events, the output of the commands, and Celery task arguments and
results.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from celery import signals
from django.contrib import admin
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.urls import NoReverseMatch, reverse

from calls import call_log, services
from calls.tasks import credentials_health_check_task
from core.errors import ModelDeskError
from credentials.models import Credential
from credentials.services import credential_save
from fakeprovider.faults import FAULTS
from providers.models import Provider
from tests.asgi_client import FastClient
from wire.types import Message

pytestmark = pytest.mark.django_db(transaction=True)

FRAGMENT = 8
# Faults with a status of their own, and the ones that only exist as a pattern.
EXTRA_FAULTS = ["400", "401", "403", "404", "408", "409", "422", "500", "502", "503", "flaky-1", "latency-20"]
STREAM_FAULTS = ["cut", "midstream-error", "keepalive", "idle", "trickle", "echo-key-header", "malformed", "html"]
HI = [Message("user", "你好，我叫IOLinker")]


class Sweep:
    """Everything collected for the search, labelled by where it came from."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.fragments = {key[i : i + FRAGMENT] for i in range(len(key) - FRAGMENT + 1)}
        self.texts: list[tuple[str, str]] = []

    def add(self, where: str, text: Any) -> None:
        if isinstance(text, bytes):
            text = text.decode("utf-8", errors="replace")
        self.texts.append((where, text if isinstance(text, str) else json.dumps(text, default=str)))

    def add_bytes(self, where: str, data: bytes) -> None:
        """Binary content: searched as bytes, in UTF-8 and in UTF-16 (how some databases store text)."""
        for encoding in ("utf-8", "utf-16-le"):
            for fragment in self.fragments:
                if fragment.encode(encoding) in data:
                    self.texts.append((where, fragment))

    def hits(self) -> list[str]:
        found = []
        for where, text in self.texts:
            pieces = sorted(f for f in self.fragments if f in text)
            if pieces:
                found.append(f"{where}: {pieces[:2]}")
        return found


@pytest.fixture
def sweep(canary: str) -> Sweep:
    return Sweep(canary)


@pytest.fixture
def debug_logs(sweep: Sweep) -> Iterator[None]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    names = (
        "",
        "httpx",
        "httpcore",
        "aiohttp",
        "asyncio",
        "providers",
        "credentials",
        "playground",
        "django",
        "celery",
    )
    saved = [(logging.getLogger(n), logging.getLogger(n).level) for n in names]
    logging.getLogger().addHandler(handler)
    for logger, _level in saved:
        logger.setLevel(logging.DEBUG)
    yield
    logging.getLogger().removeHandler(handler)
    for logger, level in saved:
        logger.setLevel(level)
    sweep.add("logs at DEBUG", stream.getvalue())


@pytest.fixture
def task_payloads(sweep: Sweep) -> Iterator[None]:
    """Arguments and results of every Celery task run (eagerly here; the Redis tests cover the broker)."""

    def before(task: Any = None, args: Any = None, kwargs: Any = None, **_: Any) -> None:
        sweep.add(f"task {task.name} arguments", {"args": args, "kwargs": kwargs})

    def after(task: Any = None, retval: Any = None, **_: Any) -> None:
        sweep.add(f"task {task.name} result", retval)

    signals.task_prerun.connect(before, weak=False)
    signals.task_postrun.connect(after, weak=False)
    yield
    signals.task_prerun.disconnect(before)
    signals.task_postrun.disconnect(after)


def _faults() -> list[str]:
    return [*sorted(FAULTS), *EXTRA_FAULTS]


def _calls(sweep: Sweep, credential: Credential, model: str) -> None:
    """A good call and a stream, then one call per fault, and streams for the faults that shape streams."""
    options = {"credential": credential, "max_attempts": 1, "deadline": 0.3}
    sweep.add("chat", services.chat(model=model, messages=HI, **options))
    sweep.add("stream", [d.content for d in services.chat_stream(model=model, messages=HI, **options)])
    for fault in _faults():
        try:
            sweep.add(f"chat {fault}", services.chat(model=f"{model}-fault-{fault}", messages=HI, **options))
        except ModelDeskError as error:
            sweep.add(f"chat {fault} error", str(error))
    for fault in STREAM_FAULTS:
        try:
            deltas = services.chat_stream(model=f"{model}-fault-{fault}", messages=HI, **options)
            sweep.add(f"stream {fault}", [d.content for d in deltas])
        except ModelDeskError as error:
            sweep.add(f"stream {fault} error", str(error))


def _playground(sweep: Sweep, client: Client, credential: Credential) -> None:
    for fault in ["", "-fault-echo-key", "-fault-echo-key-long", "-fault-echo-key-encoded", "-fault-401"]:
        for mode in ("fail", "error_output"):
            form = {
                "credential": str(credential.pk),
                "model_name": f"echo-1{fault}",
                "message": "hi {{name}}",
                "variables": '{"name": "IOLinker"}',
                "max_attempts": "1",
                "error_mode": mode,
                "history": "on",
                "history_rounds": "3",
            }
            sweep.add(f"run {fault} {mode}", client.post(reverse("playground:run"), form).content)
            response = client.post(reverse("playground:stream"), form)
            sweep.add(f"stream {fault} {mode}", b"".join(response.streaming_content))
    sweep.add("playground page", client.get(reverse("playground:index")).content)
    from playground.models import Conversation

    for conversation in Conversation.objects.all():
        page = client.get(reverse("playground:conversation", args=[conversation.pk]))
        sweep.add(f"conversation page {conversation.pk}", page.content)
    sweep.add("models endpoint", client.get(reverse("playground:models"), {"credential": credential.pk}).content)
    compare = {"message": "hi", "credential_1": str(credential.pk), "model_1": "echo-1-fault-echo-key"}
    sweep.add("compare page", client.post(reverse("playground:compare"), compare).content)


def _admin_pages(sweep: Sweep, client: Client) -> None:
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        sweep.add(f"admin list {info}", client.get(reverse("admin:{}_{}_changelist".format(*info))).content)
        for obj in model_admin.get_queryset(_request(client))[:5]:
            try:
                url = reverse("admin:{}_{}_change".format(*info), args=[obj.pk])
            except NoReverseMatch:
                continue
            sweep.add(f"admin page {info} {obj.pk}", client.get(url).content)


def _request(client: Client) -> Any:
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = client.get(reverse("admin:index")).wsgi_request.user
    return request


def _admin_actions(sweep: Sweep, client: Client, fake_provider: Any) -> None:
    changelist = reverse("admin:credentials_credential_changelist")
    selected = [str(pk) for pk in Credential.objects.values_list("pk", flat=True)]
    for fault in ("echo-key-long", "echo-key-encoded", "echo-key-header", "401", ""):
        fake_provider.fault = fault
        for action in ("test_connection", "fetch_models"):
            response = client.post(changelist, {"action": action, "_selected_action": selected}, follow=True)
            sweep.add(f"admin action {action} {fault}", response.content)
        for pk in selected:
            response = client.post(reverse("admin:credentials_credential_test", args=[pk]), follow=True)
            sweep.add(f"test button {fault}", response.content)
    fake_provider.fault = ""


def _command(sweep: Sweep, *args: str) -> None:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except (CommandError, SystemExit) as error:
        sweep.add(f"command {args} error", str(error))
    sweep.add(f"command {args}", out.getvalue() + err.getvalue())


def _commands(sweep: Sweep, fake_provider: Any) -> None:
    for fault in ("echo-key-long", "echo-key-header", ""):
        fake_provider.fault = fault
        _command(sweep, "check_credentials")
        _command(sweep, "check_credentials", "--json")
        _command(sweep, "sync_models", "sweep-openai", "--json")
    fake_provider.fault = ""
    for model in ("echo-1", "echo-1-fault-echo-key-long", "echo-1-fault-echo-key"):
        _command(sweep, "chat", "--credential", "sweep-openai", "--model", model, "--json", "hi")
        _command(sweep, "chat", "--credential", "sweep-openai", "--model", model, "--stream", "hi")
    _command(sweep, "export_config")


def _database(sweep: Sweep) -> None:
    call_log.flush()
    out = io.StringIO()
    call_command("dumpdata", stdout=out)
    sweep.add("dumpdata", out.getvalue())
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 (our own table names)
            sweep.add(f"table {table}", [list(map(str, row)) for row in cursor.fetchall()])
    if connection.vendor == "sqlite":
        name = Path(connection.settings_dict["NAME"])
        for path in (name, Path(f"{name}-wal")):
            if path.exists():
                sweep.add_bytes(f"database file {path.name}", path.read_bytes())


def test_no_fragment_of_a_key_is_anywhere(
    canary, sweep, fake_provider, admin_client, admin_user, settings, debug_logs, task_payloads, django_user_model
):
    settings.PROVIDER_STREAM_FIRST_TOKEN_TIMEOUT = 0.15
    settings.PROVIDER_STREAM_IDLE_TIMEOUT = 0.15
    settings.CREDENTIAL_TEST_ON_SAVE = True  # the connection test runs as a task after each save
    from providers.services import catalog_load

    catalog_load()
    values = {"base_url": fake_provider.url + "/v1", "api_key": canary}
    openai_compatible = Provider.objects.get(slug="openai_compatible")
    openai = credential_save(provider=openai_compatible, name="sweep-openai", values=values)
    anthropic = credential_save(
        provider=Provider.objects.get(slug="anthropic"),
        name="sweep-anthropic",
        values={**values, "base_url": fake_provider.url},
    )
    _calls(sweep, openai, "echo-1")
    _calls(sweep, anthropic, "claude-echo")
    _playground(sweep, admin_client, openai)
    _playground(sweep, FastClient(admin_user), openai)  # the run and stream endpoints on the ASGI fast path
    _admin_actions(sweep, admin_client, fake_provider)
    _admin_pages(sweep, admin_client)
    _commands(sweep, fake_provider)
    credentials_health_check_task.delay()
    _database(sweep)

    assert len(sweep.texts) > 200, "the sweep collected what it searches"
    assert any(canary in request.headers.get("authorization", "") for request in fake_provider.requests)
    assert sweep.hits() == []
    # The sweep itself finds what it looks for: a planted fragment is found.
    sweep.add("self-check", "xx" + canary[5:13] + "yy")
    assert sweep.hits() == ["self-check: " + str([canary[5:13]])]
