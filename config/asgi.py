"""ASGI entry point, served in production by uvicorn: `uvicorn config.asgi:application`.

Every view of ModelDesk is synchronous (the ORM is), and so is a part of the middleware (WhiteNoise, the body
limit). Django's own ASGI handler would then run the chain half async: each of its ``MiddlewareMixin``
middlewares hops to a thread and back for ``process_request`` and again for ``process_response``, about twenty
hops a request, each a few futures, a thread wake-up and a context copy; and it makes a new thread for each
request. Profiled under load (``bench/load.py``), that machinery was the largest cost of a playground run
request. ``OneHopASGIHandler`` runs the whole chain and the view synchronously, in one hop to a thread of a
fixed pool (``core.threads``); a streamed body is read in one more (``core.streams.iterate_in_thread``).

In front of it, ``ModelDeskASGI`` serves the OpenAI-compatible gateway under ``/v1/`` (``gateway.asgi``) and
``/healthz``, ``/readyz`` and ``/metrics`` (``gateway.ops``), and
sends the playground's run and stream POSTs down the fast path
(``playground.fast``: one hop for the database work before the provider call and one after, the call itself
awaited on the loop), and answers the server's lifespan messages (at shutdown: the queued call log written, the
asynchronous HTTP client closed). ``ASGI_FAST_PATHS=false`` sends everything through Django's handler.
"""

import os
from typing import Any

import django
from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.http import HttpRequest, HttpResponseBase

from core.threads import in_request_thread, request_threads


class OneHopASGIHandler(ASGIHandler):
    """Django's ASGI handler with a synchronous middleware chain, entered once per request in a pooled thread."""

    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        # As Django's, without its ThreadSensitiveContext (a new thread per request): the request's own work
        # runs in the pool; what Django still hands to a thread itself (its request signals, closing the
        # response) is brief and runs in asgiref's one shared thread.
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        await self.handle(scope, receive, send)

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        respond = sync_to_async(
            in_request_thread(self.get_response), thread_sensitive=False, executor=request_threads()
        )
        response: HttpResponseBase = await respond(request)
        return response


class ModelDeskASGI:
    """The gateway under ``/v1/`` (``gateway.asgi``), the playground's fast paths (``playground.fast``) for the
    POSTs they serve, Django's handler for everything else."""

    def __init__(self, django_app: OneHopASGIHandler) -> None:
        self.django = django_app
        self._fast: dict[str, bool] | None = None  # path -> streaming, filled on the first request

    def fast_paths(self) -> dict[str, bool]:
        if self._fast is None:
            from django.conf import settings
            from django.urls import reverse

            on = settings.ASGI_FAST_PATHS
            self._fast = {reverse("playground:run"): False, reverse("playground:stream"): True} if on else {}
        return self._fast

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            return await lifespan(receive, send)
        if scope["type"] == "http" and scope["path"].startswith("/v1/"):
            from gateway.asgi import serve as gateway

            return await gateway(scope, receive, send)
        if scope["type"] == "http" and scope["path"] in ("/healthz", "/readyz", "/metrics"):
            from gateway.ops import serve as ops

            return await ops(scope, receive, send)
        streaming = self.fast_paths().get(scope["path"]) if scope["method"] == "POST" else None
        if streaming is None:
            return await self.django(scope, receive, send)
        from playground.fast import serve

        await serve(scope, receive, send, self.django, streaming=streaming)


async def lifespan(receive: Any, send: Any) -> None:
    from calls import call_log
    from wire import http

    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await http.close_async_client()
            await sync_to_async(call_log.flush, thread_sensitive=False)()
            await send({"type": "lifespan.shutdown.complete"})
            return


os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
django.setup(set_prefix=False)
application = ModelDeskASGI(OneHopASGIHandler())
