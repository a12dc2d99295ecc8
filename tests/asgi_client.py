"""Drive the ASGI application uvicorn serves (``config.asgi``) with one POST, without a server."""

from __future__ import annotations

import asyncio
from typing import Any

from config.asgi import application
from wire import http


def run_async(coroutine: Any) -> Any:
    """``asyncio.run``, closing the loop's HTTP session (``wire.http.async_session``) before the loop ends."""

    async def main() -> Any:
        try:
            return await coroutine
        finally:
            await http.close_async_client()

    return asyncio.run(main())


def post_scope(path: str, headers: list[tuple[bytes, bytes]], host: str) -> dict[str, Any]:
    """The scope uvicorn gives a POST to ``path`` on ``host``."""
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", host.encode()), *headers],
        "client": ("127.0.0.1", 50000),
        "server": (host, 80),
    }


def asgi_post(
    path: str, chunks: list[bytes], headers: list[tuple[bytes, bytes]], app: Any = application
) -> tuple[int, bytes]:
    """POST ``chunks`` as the body, as uvicorn passes them; returns the status and the whole response body.
    The client stays connected until the response ends."""
    messages = [{"type": "http.request", "body": chunk, "more_body": True} for chunk in chunks]
    messages.append({"type": "http.request", "body": b"", "more_body": False})
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop(0)
        await asyncio.Event().wait()
        raise AssertionError

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    run_async(app(post_scope(path, headers, "localhost"), receive, send))
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    return status, b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


class FastResponse:
    """What an ASGI answer looks like to a test written for Django's test client."""

    def __init__(self, status: int, headers: list[tuple[bytes, bytes]], chunks: list[bytes]) -> None:
        self.status_code = status
        self.headers = {name.decode().lower(): value.decode() for name, value in headers}
        self.chunks = chunks
        self.content = b"".join(chunks)

    def __getitem__(self, name: str) -> str:
        return self.headers[name.lower()]

    @property
    def streaming_content(self) -> list[bytes]:
        return self.chunks

    def json(self) -> Any:
        import json

        return json.loads(self.content)


class FastClient:
    """Django's test client, except that POSTs to the fast paths go through ``config.asgi.application`` as
    uvicorn would send them (session cookie, CSRF cookie and header); ``leave_after`` ends the connection once
    that many chunks of the answer were sent (a reader that goes away)."""

    CSRF = "f" * 32

    def __init__(self, user: Any = None, *, csrf: bool = True) -> None:
        from django.test import Client

        self.django = Client()
        if user is not None:
            self.django.force_login(user)
        self.csrf = csrf
        self.leave_after: int | None = None
        self.on_chunk: Any = None  # an async function of each chunk of the answer, as it is sent

    def __getattr__(self, name: str) -> Any:
        return getattr(self.django, name)

    def post(self, path: str, data: Any = None, content_type: str | None = None, **extra: Any) -> Any:
        if path not in application.fast_paths():
            kwargs = {"content_type": content_type} if content_type else {}
            return self.django.post(path, data, **kwargs, **extra)
        from django.test.client import encode_multipart

        if content_type is None:  # a dict of fields, posted as the page posts its form
            body = encode_multipart("BoUnDaRy", data or {})
            content_type = "multipart/form-data; boundary=BoUnDaRy"
        else:
            body = data.encode() if isinstance(data, str) else data
        cookies = "; ".join(f"{name}={morsel.value}" for name, morsel in self.django.cookies.items())
        headers = [
            (b"content-type", content_type.encode()),
            (b"content-length", str(len(body)).encode()),
            (b"cookie", f"{cookies}; csrftoken={self.CSRF}".encode()),
        ]
        if self.csrf:
            headers.append((b"x-csrftoken", self.CSRF.encode()))
        for name, value in extra.items():
            if name.startswith("HTTP_"):
                headers.append((name[5:].lower().replace("_", "-").encode(), str(value).encode()))
        return self._send(path, body, headers)

    def _send(self, path: str, body: bytes, headers: list[tuple[bytes, bytes]]) -> FastResponse:
        left = asyncio.Event()
        messages = [{"type": "http.request", "body": body, "more_body": False}]
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            if messages:
                return messages.pop(0)
            await left.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if left.is_set():
                return  # as uvicorn: nothing reaches a reader that left
            if message["type"] == "http.response.start":
                start.update(message)
            elif message.get("body"):
                chunks.append(message["body"])
                if self.on_chunk is not None:
                    await self.on_chunk(message["body"])
                if self.leave_after is not None and len(chunks) >= self.leave_after:
                    left.set()

        run_async(application(post_scope(path, headers, "testserver"), receive, send))
        return FastResponse(start["status"], start.get("headers", []), chunks)
