"""The ASGI application uvicorn serves (``config.asgi``): the run and stream endpoints on the fast path, with
one thread hop for the database work before the provider call and one after; everything else through Django's
handler, the middleware chain and the view in one thread hop, and a streamed reply in one more, however many
events it has."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from asgiref.sync import SyncToAsync
from django.test import Client

from config.asgi import ModelDeskASGI, OneHopASGIHandler, application
from tests.asgi_client import asgi_post

RUN, STREAM = "/playground/api/run/", "/playground/api/stream/"
CSRF = "x" * 32  # an unmasked CSRF secret, sent as the cookie and the header


@pytest.fixture
def hops(monkeypatch) -> list[str]:
    """Each sync_to_async call made while serving, by the name of the function it runs."""
    calls: list[str] = []
    original = SyncToAsync.__call__

    async def counting(self: SyncToAsync, *args: Any, **kwargs: Any) -> Any:
        calls.append(getattr(self.func, "__qualname__", repr(self.func)))
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(SyncToAsync, "__call__", counting)
    return calls


def serve(path: str, body: bytes, cookies: str, app: Any = application) -> tuple[int, bytes]:
    """One POST through ``config.asgi.application`` (or ``app``); the status and the whole body."""
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"cookie", cookies.encode()),
        (b"x-csrftoken", CSRF.encode()),
    ]
    return asgi_post(path, [body], headers, app)


@pytest.fixture
def session_cookies(player) -> str:
    client = Client()
    client.force_login(player)
    return f"sessionid={client.cookies['sessionid'].value}; csrftoken={CSRF}"


def test_the_application_is_the_fast_paths_in_front_of_the_one_hop_handler():
    assert isinstance(application, ModelDeskASGI)
    assert isinstance(application.django, OneHopASGIHandler)
    assert not asyncio.iscoroutinefunction(application.django._middleware_chain)
    assert application.fast_paths() == {RUN: False, STREAM: True}


@pytest.fixture
def fast_hops(monkeypatch) -> list[str]:
    """Each thread hop of the fast paths (``core.threads.hop``), by the name of the function it runs."""
    from core import threads

    calls: list[str] = []
    original = threads.in_request_thread

    def counting(function: Any) -> Any:
        calls.append(function.__name__)
        return original(function)

    monkeypatch.setattr(threads, "in_request_thread", counting)
    return calls


@pytest.mark.django_db(transaction=True)
def test_a_run_request_on_the_fast_path_takes_one_hop_before_the_call_and_one_after(
    llm, session_cookies, hops, fast_hops
):
    body = json.dumps({"credential": str(llm.pk), "model_name": "echo-1", "message": "hello"}).encode()
    status, content = serve(RUN, body, session_cookies)
    assert status == 200, content
    assert json.loads(content)["output"][0]["content"] == "Echo: hello"
    assert fast_hops == ["_begin", "_run_end"] and hops == []


@pytest.mark.django_db(transaction=True)
def test_a_run_request_through_django_takes_one_hop_to_the_view(llm, session_cookies, hops):
    """Django's own handler, with this middleware, hopped about twenty times: twice per middleware."""
    body = json.dumps({"credential": str(llm.pk), "model_name": "echo-1", "message": "hello"}).encode()
    status, content = serve(RUN, body, session_cookies, application.django)
    assert status == 200, content
    assert json.loads(content)["output"][0]["content"]
    # the request_started and request_finished signals, and the whole chain with the view
    assert hops.count("BaseHandler.get_response") == 1 and len(hops) <= 3, hops


@pytest.mark.parametrize("fast", [True, False], ids=["fast path", "django"])
@pytest.mark.django_db(transaction=True)
def test_a_streamed_reply_takes_the_same_hops_whatever_its_length(llm, session_cookies, hops, fast_hops, fast):
    """On the fast path: the form, the turn's writes and its end, one hop each; through Django: the chain, and
    the body read in one more."""

    def stream(message: str) -> tuple[list[str], list[str]]:
        hops.clear()
        fast_hops.clear()
        body = json.dumps({"credential": str(llm.pk), "model_name": "echo-1", "message": message}).encode()
        status, content = serve(STREAM, body, session_cookies, application if fast else application.django)
        assert status == 200
        events = [line[7:] for line in content.decode().splitlines() if line.startswith("event: ")]
        return events, list(fast_hops) + [h for h in hops if "close" not in h]

    short_events, short_hops = stream("hi")
    long_events, long_hops = stream(" ".join(f"word{i}" for i in range(60)))
    assert short_events[-1] == long_events[-1] == "done"
    assert len(long_events) > len(short_events) + 20  # the fake echoes word by word
    assert long_hops == short_hops and len(short_hops) <= 4, short_hops
    if fast:
        assert short_hops == ["_begin", "stream_store", "_stream_end"]
