"""The floor: the least a Python proxy can do, as an ASGI app under uvicorn (one worker, like the others).

    BENCH_UPSTREAM=http://127.0.0.1:9000 uvicorn bench.loadkit.floor:httpx_app --port 9100
    BENCH_UPSTREAM=http://127.0.0.1:9000 uvicorn bench.loadkit.floor:aiohttp_app --port 9101

Each forwards the request's path and body to the upstream with one shared client and passes the answer back,
a stream chunk by chunk. No validation, no credentials, no logging: what is left is the cost of the server and
of the HTTP client.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from typing import Any

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

UPSTREAM = os.environ.get("BENCH_UPSTREAM", "http://127.0.0.1:9000")
# Forwarded as they came; the rest (host, content-length, connection) the client sets itself.
FORWARDED = {b"content-type", b"authorization"}


async def _body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def _headers(scope: Scope) -> dict[str, str]:
    return {name.decode(): value.decode() for name, value in scope["headers"] if name in FORWARDED}


async def _start(send: Send, status: int, content_type: str | None) -> None:
    headers = [(b"content-type", content_type.encode())] if content_type else []
    await send({"type": "http.response.start", "status": status, "headers": headers})


async def _lifespan(
    receive: Receive, send: Send, open_client: Callable[[], None], close: Callable[[], Awaitable[None]]
) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            open_client()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await close()
            await send({"type": "lifespan.shutdown.complete"})
            return


class _HttpxProxy:
    def __init__(self) -> None:
        self.client: Any = None

    def open(self) -> None:
        import httpx

        limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
        self.client = httpx.AsyncClient(base_url=UPSTREAM, timeout=60.0, limits=limits)

    async def close(self) -> None:
        await self.client.aclose()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            return await _lifespan(receive, send, self.open, self.close)
        request = self.client.build_request(
            scope["method"], scope["path"], content=await _body(receive), headers=_headers(scope)
        )
        response = await self.client.send(request, stream=True)
        try:
            await _start(send, response.status_code, response.headers.get("content-type"))
            async for chunk in response.aiter_raw():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        finally:
            await response.aclose()


class _AiohttpProxy:
    def __init__(self) -> None:
        self.session: Any = None

    def open(self) -> None:
        import aiohttp

        connector = aiohttp.TCPConnector(limit=200)
        self.session = aiohttp.ClientSession(UPSTREAM, connector=connector, timeout=aiohttp.ClientTimeout(total=60))

    async def close(self) -> None:
        await self.session.close()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            return await _lifespan(receive, send, self.open, self.close)
        body = await _body(receive)
        async with self.session.request(scope["method"], scope["path"], data=body, headers=_headers(scope)) as response:
            await _start(send, response.status, response.headers.get("content-type"))
            async for chunk in response.content.iter_any():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})


httpx_app = _HttpxProxy()
aiohttp_app = _AiohttpProxy()
