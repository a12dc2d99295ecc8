"""The Django floor: what ModelDesk's stack costs before any of ModelDesk's own work (issue 12's question of how
far its CPU per request can come down while it stays a Django app).

``bench.loadkit.settings`` serves these URLs beside ModelDesk's own (``urlpatterns`` includes ``config.urls``).
``POST /bench/floor/`` and ``POST /bench/floor/stream/`` pass through the same ASGI handler and middleware as
the playground's run and stream endpoints (sessions, the logged-in user and their permission, CSRF, the body
limit), then forward the message to the mock upstream with the shared httpx client (``wire.http``) and answer
with its reply: no form, no service layer, no conversation, no call log, no database write. It is what Django's
request path costs, which ModelDesk's own run and stream endpoints left for the ASGI fast path
(``playground.fast``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

from django.http import HttpRequest, HttpResponseBase, JsonResponse, StreamingHttpResponse
from django.urls import include, path
from django.views.decorators.http import require_POST

from core.streams import iterate_in_thread
from playground.views import playground_access
from wire import http

UPSTREAM = os.environ.get("BENCH_UPSTREAM", "http://127.0.0.1:9000") + "/v1/chat/completions"


def _upstream_body(request: HttpRequest, *, stream: bool) -> dict[str, object]:
    message = json.loads(request.body).get("message", "")
    return {"model": "mock-model", "messages": [{"role": "user", "content": message}], "stream": stream}


@require_POST
@playground_access
def floor(request: HttpRequest) -> JsonResponse:
    answer = http.sync_client().post(UPSTREAM, json=_upstream_body(request, stream=False)).json()
    content = answer["choices"][0]["message"]["content"]
    return JsonResponse({"output": [{"content": content}]})


def _relay(body: dict[str, object]) -> Iterator[str]:
    with http.sync_client().stream("POST", UPSTREAM, json=body) as response:
        for line in response.iter_lines():
            if line.startswith("data: {"):
                choices = json.loads(line[6:]).get("choices") or [{}]  # the last chunk carries only usage
                delta = choices[0].get("delta", {}).get("content")
                if delta:
                    yield f"event: delta\ndata: {json.dumps({'content': delta})}\n\n"
    yield "event: done\ndata: {}\n\n"


@require_POST
@playground_access
def floor_stream(request: HttpRequest) -> HttpResponseBase:
    return StreamingHttpResponse(
        iterate_in_thread(_relay(_upstream_body(request, stream=True))), content_type="text/event-stream"
    )


urlpatterns = [
    path("bench/floor/", floor),
    path("bench/floor/stream/", floor_stream),
    path("", include("config.urls")),
]
