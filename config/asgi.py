"""ASGI entry point, served in production by uvicorn: `uvicorn config.asgi:application`.

Every view of ModelDesk is synchronous (the ORM is), and so is a part of the middleware (WhiteNoise, the body
limit). Django's own ASGI handler would then run the chain half async: each of its ``MiddlewareMixin``
middlewares hops to a thread and back for ``process_request`` and again for ``process_response``, about twenty
hops a request, each a few futures, a thread wake-up and a context copy. Profiled under load (``bench/load.py``)
that machinery was the largest single cost of a playground run request. ``OneHopASGIHandler`` runs the whole
chain and the view synchronously in one hop to the request's thread instead. A streamed body is served from that
thread in one hop too (``core.streams.iterate_in_thread``).
"""

import os

import django
from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.http import HttpRequest, HttpResponseBase


class OneHopASGIHandler(ASGIHandler):
    """Django's ASGI handler with a synchronous middleware chain, entered once per request."""

    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        # Thread-sensitive: the request's thread (one per request, ASGIHandler's ThreadSensitiveContext), where
        # its streamed body is later read, on the same database connection.
        response: HttpResponseBase = await sync_to_async(self.get_response, thread_sensitive=True)(request)
        return response


os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
django.setup(set_prefix=False)
application = OneHopASGIHandler()
