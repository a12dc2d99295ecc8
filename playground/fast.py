"""The playground's run and stream endpoints on the ASGI fast path (``config.asgi`` routes their POSTs here).

Profiled under load (``bench/load.py``), a run request spent most of its CPU around ModelDesk's own work:
Django's handler and its middleware chain, and the synchronous httpx client. Here a request is:

1. its body read on the event loop;
2. one hop to a request thread (``core.threads``) for everything that uses the database: the session and its
   user, the permission, the CSRF check and the language, as the middleware does them, then what the view does
   (``views.valid_form``: the form, the grant, the quota) and the turn's first step (``services.run_begin``:
   the conversation and the user's message stored, the call prepared);
3. the provider call, awaited on the loop (``calls.aio``: httpx over aiohttp);
4. one hop for the last step (``services.run_end`` / ``stream_end``: the call recorded, the reply stored);
5. the answer, with the headers the middleware would add (security, language, ``Vary``).

Answers are the Django views' own: the same JSON, statuses and events. A request the fast path does not answer
itself goes to Django's handler with its body as it came, and gets the answer it always got: not logged in (the
login redirect), no permission, a failed CSRF check, a body without a ``Content-Length`` or over the limit.
A stream that goes silent gets a keep-alive comment every ``STREAM_TICK_SECONDS``, and checks between events
whether a newer turn of its conversation took over (``inflight``); a reader that goes away (Stop, a closed tab)
is noticed at once (the server's ``http.disconnect``), and the part received is stored as a stopped reply.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.csrf import CsrfViewMiddleware
from django.middleware.security import SecurityMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers

from calls import aio
from core.bodies import body_refusal, path_body_limit
from core.cache import scope as cache_scope
from core.errors import InternalError, ModelDeskError
from core.sessions import session_user
from core.threads import hop
from wire.types import ChatDelta

from . import views
from .inflight import turn_current
from .services import (
    STREAM_TICK_SECONDS,
    Begun,
    end_event,
    run_begin,
    run_end,
    stream_end,
    stream_store,
)

logger = logging.getLogger(__name__)
Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class Fallback(Exception):
    """This request is for Django's handler: the fast path gives no answer of its own to it."""


@dataclass
class Prepared:
    request: HttpRequest
    language: str
    begun: Begun | None = None
    response: HttpResponse | None = None  # answered already: a form error, a refusal, a body over a limit


def _none(request: HttpRequest) -> HttpResponseBase:
    raise AssertionError("the fast path calls its middleware's hooks, never the chain")


_csrf = CsrfViewMiddleware(_none)
_security = SecurityMiddleware(_none)
_frames = XFrameOptionsMiddleware(_none)


def finished(request: HttpRequest, response: HttpResponse, language: str) -> HttpResponse:
    """The headers the middleware chain adds to a view's answer (security, frames, language)."""
    response = _security.process_response(request, response)
    response = _frames.process_response(request, response)
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    response.headers.setdefault("Content-Language", language)
    return response


def _begin(scope: Scope, body: bytes, streaming: bool) -> Prepared:
    """The first hop: the middleware's checks, the view's form, the turn's first step."""
    with cache_scope():
        try:
            request = ASGIRequest(scope, io.BytesIO(body))
        except Exception:  # a path or header Django's handler answers itself (400)
            raise Fallback from None
        language = translation.get_language_from_request(request)
        with translation.override(language):
            request.LANGUAGE_CODE = language
            refusal = body_refusal(request)
            if refusal is not None:
                return Prepared(request, language, response=finished(request, refusal, language))
            user = request.user = session_user(request)
            if not user.is_authenticated or not views.can_use_playground(user):
                raise Fallback  # the login redirect, or the permission's 403, as the view answers
            _csrf.process_request(request)
            if _csrf.process_view(request, views.stream if streaming else views.run, (), {}) is not None:
                raise Fallback  # Django's CSRF failure page
            form = views.valid_form(request)
            if isinstance(form, JsonResponse):
                return Prepared(request, language, response=finished(request, form, language))
            run_request = form.run_request()
            begun = run_begin(run_request, streaming=streaming)
            return Prepared(request, language, begun=begun)


def _run_end(prepared: Prepared) -> HttpResponse:
    with cache_scope(), translation.override(prepared.language):
        assert prepared.begun is not None
        result = prepared.begun.result or run_end(prepared.begun)
        response = views.run_json(prepared.begun.turn.request, result)
        return finished(prepared.request, response, prepared.language)


def _stream_end(prepared: Prepared, stopped: bool) -> tuple[str, dict[str, Any]]:
    with cache_scope(), translation.override(prepared.language):
        begun = prepared.begun
        assert begun is not None
        return end_event(begun.turn, stream_end(begun, stopped=stopped))


def _stream_headers(prepared: Prepared) -> HttpResponse:
    response = HttpResponse(content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # let proxies pass each event through at once
    return finished(prepared.request, response, prepared.language)


# --- ASGI ---------------------------------------------------------------------------------------------------
async def serve(scope: Scope, receive: Receive, send: Send, django: ASGIApp, *, streaming: bool) -> None:
    """Answer one POST to the run (or, ``streaming``, the stream) endpoint; or hand it to ``django``."""
    body = await _body(scope, receive)
    if body is None:
        return await django(scope, receive, send)
    try:
        prepared = await hop(_begin)(scope, body, streaming)
    except Fallback:
        return await django(scope, _replay(body, receive), send)
    except Exception as exc:  # the database is down, a bug: a JSON answer that says so, the details in the log
        logger.exception("the playground's fast path failed before the call")
        return await _respond(send, _failure(exc))
    if prepared.response is not None:
        return await _respond(send, prepared.response)
    if not streaming:
        assert prepared.begun is not None
        if isinstance(prepared.begun.call, aio.ChatCall):
            await prepared.begun.call.send()
        try:
            answer = await hop(_run_end)(prepared)
        except Exception as exc:  # the reply is lost with the database: say so (``_stored`` keeps what it can)
            logger.exception("the playground's fast path failed after the call")
            answer = _failure(exc)
        return await _respond(send, answer)
    await _stream(prepared, receive, send)


def _failure(exc: Exception) -> HttpResponse:
    """An unexpected failure as the views' JSON error (a 500 with a message, never a traceback)."""
    error = InternalError(exc)
    return JsonResponse({"error": {"type": error.error_type, "message": error.user_message()}}, status=500)


async def _body(scope: Scope, receive: Receive) -> bytes | None:
    """The whole body, when it declares its length and that is within the path's limit; else None (Django's
    handler spools it and its middleware answers the limit)."""
    declared = next((value for name, value in scope["headers"] if name == b"content-length"), None)
    if declared is None or not declared.isdigit() or int(declared) > path_body_limit(scope["path"]):
        return None
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None  # nothing to answer; Django's handler sees the same disconnect
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """``receive`` for Django's handler: the body read already, then the server's messages."""
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def replayed() -> dict[str, Any]:
        return pending.pop() if pending else await receive()

    return replayed


def _headers(response: HttpResponseBase) -> list[tuple[bytes, bytes]]:
    headers = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in response.items()]
    headers += [(b"set-cookie", c.output(header="").encode("ascii").strip()) for c in response.cookies.values()]
    return headers


async def _respond(send: Send, response: HttpResponse) -> None:
    await send({"type": "http.response.start", "status": response.status_code, "headers": _headers(response)})
    await send({"type": "http.response.body", "body": response.content})


def _event(name: str, data: dict[str, Any]) -> bytes:
    if name == "tick":
        return b": keep-alive\n\n"
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


class _Reader:
    """The stream's reader: its SSE writes, the disconnect it watches for, and the conversation it holds."""

    def __init__(self, prepared: Prepared, receive: Receive, send: Send) -> None:
        self.prepared, self.receive, self.send = prepared, receive, send
        self.gone = asyncio.Event()

    async def watch(self) -> None:
        while (await self.receive())["type"] != "http.disconnect":
            pass
        self.gone.set()

    async def write(self, name: str, data: dict[str, Any]) -> None:
        await self.send({"type": "http.response.body", "body": _event(name, data), "more_body": True})

    async def current(self) -> bool:
        """Whether no newer turn of the conversation asked this one to hand over (``inflight``)."""
        begun = self.prepared.begun
        assert begun is not None
        return await hop(turn_current)(begun.turn.conversation, begun.turn.token)


async def _stream(prepared: Prepared, receive: Receive, send: Send) -> None:
    begun = prepared.begun
    assert begun is not None
    reader = _Reader(prepared, receive, send)
    stream = begun.call
    if begun.result is not None or not isinstance(stream, aio.ChatStreamAsync):  # not even prepared: the turn
        await _start(send, reader, prepared)  # has its error already
        await reader.write(*end_event(begun.turn, begun.result))
        await send({"type": "http.response.body", "body": b""})
        return
    deltas = stream.deltas()
    first = asyncio.ensure_future(anext(deltas))  # the provider request goes out while the turn is stored
    try:
        await hop(stream_store)(begun)
    except BaseException:
        first.cancel()
        await asyncio.wait({first})
        await deltas.aclose()
        raise
    await _start(send, reader, prepared)
    watcher = asyncio.create_task(reader.watch())
    try:
        stopped = await _relay(deltas, first, reader)
        last = await hop(_stream_end)(prepared, stopped)
        if not reader.gone.is_set():
            await reader.write(*last)
            await send({"type": "http.response.body", "body": b""})
    finally:
        watcher.cancel()


async def _start(send: Send, reader: _Reader, prepared: Prepared) -> None:
    assert prepared.begun is not None
    await send({"type": "http.response.start", "status": 200, "headers": _headers(_stream_headers(prepared))})
    await reader.write("start", {"conversation": str(prepared.begun.turn.conversation.pk)})


async def _relay(deltas: AsyncGenerator[ChatDelta, None], first: asyncio.Task[ChatDelta], reader: _Reader) -> bool:
    """Write the deltas (the first being awaited in ``first``) as events until the stream ends; True when it was
    stopped (the reader left, or a newer turn took over). A failure ends it too: the stream keeps it in
    ``error``, for ``stream_end``."""
    checked = time.monotonic()
    try:
        async for delta in _ticking(deltas, reader.gone, first):
            if reader.gone.is_set():
                return True
            if delta is None or delta.is_tick:
                await reader.write("tick", {})
            if delta is not None and delta.reasoning:
                await reader.write("reasoning", {"reasoning": delta.reasoning})
            if delta is not None and delta.content:
                await reader.write("delta", {"content": delta.content})
            if time.monotonic() - checked >= STREAM_TICK_SECONDS:
                checked = time.monotonic()
                if not await reader.current():
                    return True
    except ModelDeskError:
        return False
    finally:
        await deltas.aclose()
    return reader.gone.is_set()


async def _ticking(
    deltas: AsyncIterator[ChatDelta], gone: asyncio.Event, first: asyncio.Task[ChatDelta]
) -> AsyncIterator[ChatDelta | None]:
    """The deltas, with None after each ``STREAM_TICK_SECONDS`` of silence, until the stream ends or the reader
    is gone."""
    next_delta: asyncio.Task[ChatDelta] | None = first
    gone_wait = asyncio.create_task(gone.wait())
    try:
        while not gone.is_set():
            if next_delta is None:
                next_delta = asyncio.ensure_future(anext(deltas))
            done, _pending = await asyncio.wait(
                {next_delta, gone_wait}, timeout=STREAM_TICK_SECONDS, return_when=asyncio.FIRST_COMPLETED
            )
            if next_delta in done:
                task, next_delta = next_delta, None
                try:
                    yield task.result()
                except StopAsyncIteration:
                    return
            elif not done:
                yield None
    finally:
        gone_wait.cancel()
        if next_delta is not None:
            next_delta.cancel()
            await asyncio.wait({next_delta})  # its error, if it has one, the stream keeps
