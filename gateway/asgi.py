"""The OpenAI-compatible gateway under ``/v1`` (``config.asgi`` routes it here): models, chat completions and
Anthropic's messages (plain and streamed), embeddings, rerank and transcriptions, with an API key
(``Authorization: Bearer md-…``, or ``x-api-key``).

A chat request makes one thread hop, for the key, its limits, the route and the first attempt's preparation (the
owner's grants and quotas: ``calls.aio``), all read from this process's caches after one look at their version
counter; the provider call is awaited on the event loop; a call that worked is recorded from the loop (its row
goes to the background writer) unless a quota or a shared token window must count it, which takes a second hop,
as a failure does (the next deployment is begun there). The other operations are sent by the synchronous service
layer in one hop. Every error is OpenAI's error object with its status (``openai_format``), Anthropic's on
``/v1/messages``.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _

from access.selectors import credentials_visible, models_visible
from calls import aio, services
from calls.selectors import models_for_credential
from calls.services import ChatOutcome
from core.cache import scope as cache_scope
from core.errors import ModelDeskError
from core.threads import hop_in_language as hop
from credentials.models import Credential

from . import dispatch, metrics, multipart, routes
from . import openai_format as oai
from .dialects import ANTHROPIC, OPENAI, Dialect

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
logger = logging.getLogger(__name__)
Outcome = TypeVar("Outcome", services.EmbedOutcome, services.RerankOutcome, services.TranscribeOutcome)


async def serve(scope: Scope, receive: Receive, send: Send) -> None:
    """Answer one request, its errors in the language its ``Accept-Language`` asks for."""
    header = b""
    for name, value in scope["headers"]:
        if name == b"accept-language":
            header = value
            break
    # activate and deactivate, not override: a request is a task of its own, whose context starts with no
    # language, so there is nothing to restore (override's look at the language before costs a context lookup).
    translation.activate(_language(header.decode("latin-1")))
    try:
        await _serve(scope, receive, send)
    finally:
        translation.deactivate()


@functools.lru_cache(maxsize=256)
def _language(header: str) -> str:
    """The language an ``Accept-Language`` header picks, worked out once per distinct header."""
    request = HttpRequest()
    request.META["HTTP_ACCEPT_LANGUAGE"] = header
    return translation.get_language_from_request(request)


async def _serve(scope: Scope, receive: Receive, send: Send) -> None:
    started = False
    endpoint = scope["path"] if scope["path"] in ENDPOINTS else "other"

    with metrics.measured(endpoint) as labels:

        async def tracked(message: dict[str, Any]) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started, labels["status"] = True, message["status"]
            await send(message)

        await _guarded(scope, receive, tracked, lambda: started)


async def _guarded(scope: Scope, receive: Receive, send: Send, started: Callable[[], bool]) -> None:
    try:
        await _route(scope, receive, send)
    except Exception:  # a bug, the database down: OpenAI's error object, the details in the log
        logger.exception("the gateway failed on %s %s", scope["method"], scope["path"])
        if not started():
            error = oai.RequestError(500, _("The gateway failed unexpectedly; the server log has details."))
            await _json(send, 500, _dialect(scope["path"]).error_body(error))


ENDPOINTS = frozenset(
    {"/v1/models", "/v1/chat/completions", "/v1/messages", "/v1/embeddings", "/v1/rerank", "/v1/reranks"}
    | {"/v1/audio/transcriptions"}
)


def _dialect(path: str) -> Dialect:
    """The format a path's errors are written in."""
    return ANTHROPIC if path == "/v1/messages" else OPENAI


async def _route(scope: Scope, receive: Receive, send: Send) -> None:
    path, method = scope["path"], scope["method"]
    try:
        if path == "/v1/models" and method == "GET":
            return await _json(send, 200, await hop(_models)(scope))
        if path == "/v1/chat/completions" and method == "POST":
            return await _chat(scope, receive, send, OPENAI)
        if path == "/v1/messages" and method == "POST":
            return await _chat(scope, receive, send, ANTHROPIC)
        if path == "/v1/embeddings" and method == "POST":
            body = await _body(receive, int(settings.REQUEST_BODY_MAX_BYTES))
            return await _json(send, 200, await hop(_embeddings)(scope, body))
        if path in ("/v1/rerank", "/v1/reranks") and method == "POST":
            body = await _body(receive, int(settings.REQUEST_BODY_MAX_BYTES))
            return await _json(send, 200, await hop(_rerank)(scope, body))
        if path == "/v1/audio/transcriptions" and method == "POST":
            body = await _body(receive, int(settings.GATEWAY_AUDIO_MAX_BYTES))
            answer = await hop(_transcribe)(scope, body)
            if isinstance(answer, str):
                return await _text(send, answer)
            return await _json(send, 200, answer)
        message = _("No endpoint %(method)s %(path)s.") % {"method": method, "path": path}
        raise oai.RequestError(404, message, code="not_found")
    except oai.RequestError as error:
        await _json(send, error.status, _dialect(path).error_body(error), error.headers())


# --- the steps that use the database ----------------------------------------------------------------------
def _models(scope: Scope) -> dict[str, Any]:
    with cache_scope():
        key, owner = dispatch.authorized(dict(scope["headers"]))
        names = []
        credentials = credentials_visible(owner, Credential.objects.select_related("provider").filter(enabled=True))
        visible = set()
        for credential in credentials.order_by("name"):
            visible.add(credential.name)
            models = models_visible(owner, credential, models_for_credential(credential))
            names += [f"{credential.name}/{m.name}" for m in models.order_by("name")]
        served = sorted(r.name for r in routes.routes().values() if any(t.credential in visible for t in r.targets))
        allowed = set(key.allowed_models)
        data = [
            {
                "id": name,
                "object": "model",
                "created": 0,
                "owned_by": "modeldesk" if "/" not in name else name.split("/")[0],
            }
            for name in sorted(served) + names
        ]
        return {"object": "list", "data": [m for m in data if not allowed or m["id"] in allowed]}


def _json_body(body: bytes) -> Any:
    try:
        return json.loads(body or b"null")
    except ValueError:
        raise oai.RequestError(400, _("The request body is not valid JSON.")) from None


def _embeddings(scope: Scope, body: bytes) -> dict[str, Any]:
    """Embeddings, sent from this thread by the synchronous service layer (the asynchronous path serves chat)."""
    with cache_scope():
        request = oai.embed_request(_json_body(body))
        plan = dispatch.plan(dict(scope["headers"]), request.public_model)

        def send(credential: Credential, model: str, attempts: int | None) -> services.EmbedOutcome:
            return services.embed(
                inputs=request.inputs, credential=credential, model=model, user=plan.owner, max_attempts=attempts
            )

        outcome = _served(plan, send)
        return oai.embeddings(request, outcome.vectors, outcome.info.usage)


def _served(plan: dispatch.Plan, send: Callable[[Credential, str, int | None], Outcome]) -> Outcome:
    """``send`` to the plan's deployments in turn until one answers; its tokens counted against the key."""
    outcome = dispatch.each_target(plan, send)
    dispatch.count_tokens(plan.key, outcome.info.usage)
    return outcome


def _rerank(scope: Scope, body: bytes) -> dict[str, Any]:
    with cache_scope():
        request = oai.rerank_request(_json_body(body))
        plan = dispatch.plan(dict(scope["headers"]), request.public_model)

        def send(credential: Credential, model: str, attempts: int | None) -> services.RerankOutcome:
            return services.rerank(
                query=request.query,
                documents=request.documents,
                top_n=request.top_n,
                credential=credential,
                model=model,
                user=plan.owner,
                max_attempts=attempts,
            )

        outcome = _served(plan, send)
        return oai.reranked(request, outcome.hits, outcome.info.usage)


def _transcribe(scope: Scope, body: bytes) -> dict[str, Any] | str:
    """A multipart form's audio, transcribed; ``response_format=text`` is answered as plain text."""
    with cache_scope():
        headers = dict(scope["headers"])
        dispatch.authorized(headers)  # a caller without a key learns nothing about the form
        fields, audio = multipart.form(body, headers.get(b"content-type", b"").decode("latin-1"))
        request = oai.transcribe_request(fields, audio)
        plan = dispatch.plan(headers, request.public_model)

        def send(credential: Credential, model: str, attempts: int | None) -> services.TranscribeOutcome:
            return services.transcribe(
                audio=request.audio,
                language=request.language,
                credential=credential,
                model=model,
                user=plan.owner,
                max_attempts=attempts,
            )

        outcome = _served(plan, send)
        if request.response_format == "text":
            return outcome.text
        return oai.transcription(request, outcome.text, outcome.info.usage)


def _chat_begin(scope: Scope, body: bytes, dialect: Dialect) -> dispatch.Begun:
    return dispatch.chat_begin(dict(scope["headers"]), _json_body(body), dialect.parse)


# --- ASGI -----------------------------------------------------------------------------------------------------
async def _chat(scope: Scope, receive: Receive, send: Send, dialect: Dialect) -> None:
    body = await _body(receive, int(settings.REQUEST_BODY_UPLOAD_MAX_BYTES))
    begun = await hop(_chat_begin)(scope, body, dialect)
    if isinstance(begun.call, aio.ChatStreamAsync):
        return await _stream(begun, send, dialect)
    while True:
        assert isinstance(begun.call, aio.ChatCall)
        await begun.call.send()
        if dispatch.settles_on_loop(begun):  # the common case: no second hop
            settled: ChatOutcome | dispatch.Begun = dispatch.chat_finish(begun)
        else:
            settled = await hop(dispatch.chat_settle)(begun)
        if not isinstance(settled, dispatch.Begun):
            o = settled
            answer = dialect.reply(begun.request, o.content, o.reasoning, o.finish_reason, o.info.usage, o.tool_calls)
            return await _json(send, 200, answer, begun.headers())
        begun = settled


async def _stream(begun: dispatch.Begun, send: Send, dialect: Dialect) -> None:
    """Stream the reply; a deployment that fails before its first token is followed by the next one."""
    while True:
        stream = begun.call
        assert isinstance(stream, aio.ChatStreamAsync)
        deltas = stream.deltas()
        try:
            first = await anext(deltas, None)
            metrics.first_token()
            break
        except ModelDeskError as error:  # before anything was sent: the next deployment, or an error answer
            begun = await hop(dispatch.stream_failed)(begun, error)
    await send({"type": "http.response.start", "status": 200, "headers": _sse_headers() + begun.headers()})
    writer = dialect.stream(send, begun.request)
    await writer.start()
    try:
        delta = first
        while delta is not None:
            await writer.piece(delta)
            delta = await anext(deltas, None)
        await writer.end(stream.outcome.finish_reason if stream.outcome else None, stream.call.usage)
    except ModelDeskError as error:  # after the first token: the stream ends with the error object
        await writer.failed(oai.error_of(error))
    finally:
        await deltas.aclose()
        if dispatch.settles_on_loop(begun):
            dispatch.stream_finish(begun)
        else:
            await hop(dispatch.stream_finish)(begun)
    await writer.close()


async def _body(receive: Receive, limit: int) -> bytes:
    chunks, size = [], 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            refusal = _("The request body is larger than the limit of %(limit)s bytes.") % {"limit": limit}
            raise oai.RequestError(413, refusal)
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


def _sse_headers() -> list[tuple[bytes, bytes]]:
    return [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache"), (b"x-accel-buffering", b"no")]


async def _json(send: Send, status: int, data: dict[str, Any], extra: list[tuple[bytes, bytes]] | None = None) -> None:
    headers = [(b"content-type", b"application/json"), (b"x-content-type-options", b"nosniff"), *(extra or [])]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": json.dumps(data, ensure_ascii=False).encode()})


async def _text(send: Send, text: str) -> None:
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"x-content-type-options", b"nosniff")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": text.encode()})
