"""The playground page served as in production, by uvicorn with ``config.asgi.application``: its streamed
turns go down the ASGI fast path (``playground.fast``), a Stop keeps the part received, and the next turn
continues the conversation. (The other browser tests use Django's live server, which has no fast path.)"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

from config.asgi import application
from playground import fast
from playground.models import Conversation, Message

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "fast-path-pw-1"


@pytest.fixture
def asgi_server(settings: Any) -> Iterator[str]:
    """uvicorn serving the ASGI application on a free loopback port, in a thread of this process."""
    settings.PLAYGROUND_TITLES = False
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = ASGIStaticFilesHandler(application)  # static files as the live server serves them (no collectstatic)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def served(monkeypatch) -> list[str]:
    """The paths the fast path served."""
    paths: list[str] = []
    original = fast.serve

    async def recording(scope: Any, *args: Any, **kwargs: Any) -> None:
        paths.append(scope["path"])
        await original(scope, *args, **kwargs)

    monkeypatch.setattr(fast, "serve", recording)
    return paths


def test_the_page_streams_stops_and_continues_through_the_fast_path(
    asgi_server, served, page, point_at, django_user_model, settings
):
    settings.PROVIDER_HTTP_READ_TIMEOUT = 30  # the tests' 1 s would end the silence before the Stop
    credential = point_at("openai_compatible")
    django_user_model.objects.create_superuser(username="admin", password=PASSWORD)
    page.goto(f"{asgi_server}/accounts/login/?next=/playground/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/playground/")
    page.select_option("#id_credential", str(credential.pk))

    page.fill("#id_model_name", "echo-1-fault-silent")  # two chunks, then silence
    page.fill("#id_message", "stop me please")
    page.click("#pg-send")
    page.wait_for_function("() => !!document.querySelector('#pg-transcript .pg-msg-assistant .pg-msg-body')?.innerText")
    page.wait_for_timeout(500)  # both chunks are in; silence follows
    page.click("#pg-stop")
    page.wait_for_selector('#pg-form[data-state="stopped"]')
    page.fill("#id_model_name", "echo-1")
    page.fill("#id_message", "and the next turn")
    page.click("#pg-send")
    page.wait_for_selector('#pg-form[data-state="done"]')
    assert page.locator("#pg-transcript .pg-msg-assistant .pg-msg-body").last.inner_text() == "Echo: and the next turn"

    assert served == ["/playground/api/stream/", "/playground/api/stream/"]
    deadline = time.monotonic() + 10  # the stopped turn is wound down on the server while the page goes on
    while Conversation.objects.exclude(streaming="").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    conversation = Conversation.objects.get()
    stored = list(conversation.messages.order_by("pk").values_list("role", "stopped", "content"))
    assert [(role, stopped) for role, stopped, _content in stored] == [
        ("user", False),
        ("assistant", True),
        ("user", False),
        ("assistant", False),
    ]
    assert stored[1][2].startswith("Echo") and stored[3][2] == "Echo: and the next turn"
    assert conversation.streaming == ""
    assert Message.objects.count() == 4
