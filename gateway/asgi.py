"""The OpenAI-compatible gateway under ``/v1`` (``config.asgi`` routes it here): ``GET /v1/models`` and
``POST /v1/chat/completions``, plain and streamed, with an API key (``Authorization: Bearer md-…``).

As the playground's fast path: one thread hop for the key, the request and the call's preparation (the key's
owner's grants and quotas: ``calls.aio``), the provider call awaited on the event loop, one hop to record it.
Every error is OpenAI's error object with its status (``openai_format``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _

from access.selectors import credentials_visible, models_visible
from calls import aio, services
from calls.resolve import CredentialNotFound, credential_resolve
from calls.selectors import models_for_credential
from core.cache import scope as cache_scope
from core.errors import ModelDeskError
from core.threads import hop_in_language as hop
from credentials.models import Credential

from . import openai_format as oai
from .keys import key_owner
from .models import ApiKey

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
logger = logging.getLogger(__name__)


async def serve(scope: Scope, receive: Receive, send: Send) -> None:
    """Answer one request, its errors in the language its ``Accept-Language`` asks for."""
    request = HttpRequest()
    request.META["HTTP_ACCEPT_LANGUAGE"] = dict(scope["headers"]).get(b"accept-language", b"").decode("latin-1")
    with translation.override(translation.get_language_from_request(request)):
        await _serve(scope, receive, send)


async def _serve(scope: Scope, receive: Receive, send: Send) -> None:
    started = False

    async def tracked(message: dict[str, Any]) -> None:
        nonlocal started
        started = started or message["type"] == "http.response.start"
        await send(message)

    try:
        await _route(scope, receive, tracked)
    except Exception:  # a bug, the database down: OpenAI's error object, the details in the log
        logger.exception("the gateway failed on %s %s", scope["method"], scope["path"])
        if not started:
            error = oai.RequestError(500, _("The gateway failed unexpectedly; the server log has details."))
            await _json(send, 500, error.body())


async def _route(scope: Scope, receive: Receive, send: Send) -> None:
    path, method = scope["path"], scope["method"]
    try:
        if path == "/v1/models" and method == "GET":
            return await _json(send, 200, await hop(_models)(scope))
        if path == "/v1/chat/completions" and method == "POST":
            return await _chat(scope, receive, send)
        if path == "/v1/embeddings" and method == "POST":
            body = await _body(receive, int(settings.REQUEST_BODY_MAX_BYTES))
            return await _json(send, 200, await hop(_embeddings)(scope, body))
        message = _("No endpoint %(method)s %(path)s.") % {"method": method, "path": path}
        raise oai.RequestError(404, message, code="not_found")
    except oai.RequestError as error:
        await _json(send, error.status, error.body())


# --- the steps that use the database ----------------------------------------------------------------------
def _authorized(scope: Scope) -> tuple[ApiKey, AbstractBaseUser]:
    headers = dict(scope["headers"])
    bearer = headers.get(b"authorization", b"").decode("latin-1")
    plaintext = bearer[7:].strip() if bearer[:7].lower() == "bearer " else headers.get(b"x-api-key", b"").decode()
    found = key_owner(plaintext) if plaintext else None
    if found is None:
        message = (
            _("Incorrect, expired or revoked API key.")
            if plaintext
            else _("Send an API key: Authorization: Bearer md-…")
        )
        raise oai.RequestError(401, message, code="invalid_api_key")
    return found


def _models(scope: Scope) -> dict[str, Any]:
    with cache_scope():
        key, owner = _authorized(scope)
        names = []
        credentials = credentials_visible(owner, Credential.objects.select_related("provider").filter(enabled=True))
        for credential in credentials.order_by("name"):
            models = models_visible(owner, credential, models_for_credential(credential))
            names += [f"{credential.name}/{m.name}" for m in models.order_by("name")]
        allowed = set(key.allowed_models)
        data = [{"id": n, "object": "model", "created": 0, "owned_by": n.split("/")[0]} for n in names]
        return {"object": "list", "data": [m for m in data if not allowed or m["id"] in allowed]}


def _json_body(body: bytes) -> Any:
    try:
        return json.loads(body or b"null")
    except ValueError:
        raise oai.RequestError(400, _("The request body is not valid JSON.")) from None


def _credential(key: ApiKey, public_model: str, name: str) -> Credential:
    """The enabled credential the request names, where the key's allow-list lets it call the model."""
    if key.allowed_models and public_model not in key.allowed_models:
        message = _("This key may not call %(model)s.") % {"model": public_model}
        raise oai.RequestError(403, message, param="model")
    try:
        return credential_resolve(name)
    except CredentialNotFound:
        message = _("The model “%(model)s” does not exist: no credential “%(credential)s”.") % {
            "model": public_model,
            "credential": name,
        }
        raise oai.RequestError(404, message, param="model", code="model_not_found") from None


def _embeddings(scope: Scope, body: bytes) -> dict[str, Any]:
    """Embeddings, sent from this thread by the synchronous service layer (the asynchronous path serves chat)."""
    with cache_scope():
        key, owner = _authorized(scope)
        request = oai.embed_request(_json_body(body))
        credential = _credential(key, request.public_model, request.credential)
        try:
            outcome = services.embed(inputs=request.inputs, credential=credential, model=request.model, user=owner)
        except ModelDeskError as error:
            raise oai.error_of(error) from None
        return oai.embeddings(request, outcome.vectors, outcome.info.usage)


@dataclass
class _Begun:
    request: oai.ChatRequest
    call: aio.ChatCall | aio.ChatStreamAsync


def _begin(scope: Scope, body: bytes) -> _Begun:
    with cache_scope():
        key, owner = _authorized(scope)
        request = oai.chat_request(_json_body(body))
        found = _credential(key, request.public_model, request.credential)
        begin = aio.stream_begin if request.stream else aio.chat_begin
        try:
            call = begin(
                messages=request.messages, credential=found, model=request.model, user=owner, **request.sampling
            )
        except ModelDeskError as error:
            raise oai.error_of(error) from None
        return _Begun(request, call)


def _finish(begun: _Begun) -> dict[str, Any]:
    with cache_scope():
        call = begun.call
        assert isinstance(call, aio.ChatCall)
        try:
            outcome = call.finish()
        except ModelDeskError as error:
            raise oai.error_of(error) from None
        usage = outcome.info.usage
        return oai.completion(begun.request, outcome.content, outcome.reasoning, outcome.finish_reason, usage)


def _stream_finish(begun: _Begun) -> None:
    with cache_scope():
        assert isinstance(begun.call, aio.ChatStreamAsync)
        begun.call.finish()


# --- ASGI -----------------------------------------------------------------------------------------------------
async def _chat(scope: Scope, receive: Receive, send: Send) -> None:
    body = await _body(receive, int(settings.REQUEST_BODY_UPLOAD_MAX_BYTES))
    begun = await hop(_begin)(scope, body)
    if isinstance(begun.call, aio.ChatCall):
        await begun.call.send()
        return await _json(send, 200, await hop(_finish)(begun))
    await _stream(begun, send)


async def _stream(begun: _Begun, send: Send) -> None:
    stream, request = begun.call, begun.request
    assert isinstance(stream, aio.ChatStreamAsync)
    chunk_id = oai.completion_id()
    deltas = stream.deltas()
    try:
        first = await anext(deltas, None)
    except ModelDeskError as error:  # before anything was sent: an error answer of its own
        await hop(_stream_finish)(begun)
        raise oai.error_of(error) from None
    await send({"type": "http.response.start", "status": 200, "headers": _sse_headers()})
    await _event(send, oai.chunk(request, chunk_id, {"role": "assistant", "content": ""}))
    try:
        delta = first
        while delta is not None:
            piece: dict[str, Any] = {}
            if delta.content:
                piece["content"] = delta.content
            if delta.reasoning:
                piece["reasoning_content"] = delta.reasoning
            if piece:
                await _event(send, oai.chunk(request, chunk_id, piece))
            delta = await anext(deltas, None)
        finish = stream.outcome.finish_reason if stream.outcome is not None else None
        await _event(send, oai.chunk(request, chunk_id, {}, finish or "stop"))
        if request.include_usage:
            await _event(send, oai.usage_chunk(request, chunk_id, stream.call.usage))
    except ModelDeskError as error:  # after the first token: the stream ends with the error object
        await _event(send, oai.error_of(error).body())
    finally:
        await deltas.aclose()
        await hop(_stream_finish)(begun)
    await send({"type": "http.response.body", "body": b"data: [DONE]\n\n"})


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


async def _event(send: Send, data: dict[str, Any]) -> None:
    body = b"data: " + json.dumps(data, ensure_ascii=False).encode() + b"\n\n"
    await send({"type": "http.response.body", "body": body, "more_body": True})


async def _json(send: Send, status: int, data: dict[str, Any]) -> None:
    headers = [(b"content-type", b"application/json"), (b"x-content-type-options", b"nosniff")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": json.dumps(data, ensure_ascii=False).encode()})
