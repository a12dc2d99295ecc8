"""The one module that builds HTTP clients.

Clients are shared per process, carry explicit connect/read/write/pool timeouts and connection limits from
settings, and never follow redirects on their own: credentials must not travel to another host. Same-host
redirects are followed explicitly by ``send`` and ``async_send`` below.

The asynchronous client (the ASGI fast paths: ``wire.async_transport``) is an aiohttp session: measured here,
httpx's own async pool caps a Python proxy at a few hundred requests a second per core, aiohttp at thousands
(issue 12, ``bench/load.py``'s floor rows), and httpx's API over aiohttp (``httpx-aiohttp``) still cost a tenth
of a playground run's CPU. An aiohttp session belongs to the event loop it was made in, so there is one per
running loop; it keeps no cookies (one session serves every credential).
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from urllib.parse import urlsplit

import aiohttp
import httpx
from django.conf import settings
from yarl import URL

from core.errors import BadResponse

_lock = threading.Lock()
_sync_client: httpx.Client | None = None
_sessions: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aiohttp.ClientSession] = weakref.WeakKeyDictionary()
REDIRECTS = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 3


def timeout() -> httpx.Timeout:
    return httpx.Timeout(
        connect=settings.PROVIDER_HTTP_CONNECT_TIMEOUT,
        read=settings.PROVIDER_HTTP_READ_TIMEOUT,
        write=settings.PROVIDER_HTTP_WRITE_TIMEOUT,
        pool=settings.PROVIDER_HTTP_POOL_TIMEOUT,
    )


def limits() -> httpx.Limits:
    return httpx.Limits(
        max_connections=settings.PROVIDER_HTTP_MAX_CONNECTIONS,
        max_keepalive_connections=settings.PROVIDER_HTTP_MAX_KEEPALIVE,
    )


def sync_client() -> httpx.Client:
    global _sync_client
    if _sync_client is None:
        with _lock:
            if _sync_client is None:
                _sync_client = httpx.Client(timeout=timeout(), limits=limits(), follow_redirects=False, trust_env=False)
    return _sync_client


def async_timeout(*, remaining: float | None = None) -> aiohttp.ClientTimeout:
    """The settings' connect and read timeouts, each at most ``remaining`` (the call's deadline)."""
    connect, read = settings.PROVIDER_HTTP_CONNECT_TIMEOUT, settings.PROVIDER_HTTP_READ_TIMEOUT
    if remaining is not None:
        connect, read = min(connect, remaining), min(read, remaining)
    return aiohttp.ClientTimeout(total=None, sock_connect=connect, sock_read=read)


def async_session() -> aiohttp.ClientSession:
    """The running event loop's session; call it from a coroutine."""
    loop = asyncio.get_running_loop()
    session = _sessions.get(loop)
    if session is None or session.closed:
        connector = aiohttp.TCPConnector(limit=settings.PROVIDER_HTTP_MAX_CONNECTIONS, keepalive_timeout=30)
        session = _sessions[loop] = aiohttp.ClientSession(
            connector=connector, timeout=async_timeout(), trust_env=False, cookie_jar=aiohttp.DummyCookieJar()
        )
    return session


async def close_async_client() -> None:
    """Close the running loop's session, if it has one (an ASGI server's shutdown; tests)."""
    session = _sessions.pop(asyncio.get_running_loop(), None)
    if session is not None:
        await session.close()


async def async_send(
    session: aiohttp.ClientSession, method: str, url: str, **options: object
) -> aiohttp.ClientResponse:
    """``send`` for the asynchronous session: at most a few redirects, each on the same origin."""
    for _ in range(MAX_REDIRECTS + 1):
        response = await session.request(method, url, allow_redirects=False, **options)  # type: ignore[arg-type]
        location = response.headers.get("location")
        if response.status not in REDIRECTS or not location:
            return response
        response.release()
        target = response.url.join(URL(location))
        if not same_origin(url, str(target)):
            raise BadResponse(f"the server redirected to {target.host}; credentials are never sent to another host")
        url, options = str(target), {**options, "params": None}
    raise BadResponse("too many redirects")


def reset_clients() -> None:
    """Close and forget the shared clients (tests that change timeout settings; forked workers). An async
    client is forgotten, not closed: its loop may be gone; it closes with its loop."""
    global _sync_client
    with _lock:
        if _sync_client is not None:
            _sync_client.close()
        _sync_client = None
        _sessions.clear()


def same_origin(a: httpx.URL | str, b: httpx.URL | str) -> bool:
    left, right = urlsplit(str(a)), urlsplit(str(b))
    return (left.scheme, left.hostname, left.port) == (right.scheme, right.hostname, right.port)


def send(client: httpx.Client, request: httpx.Request, *, stream: bool = False) -> httpx.Response:
    """Send ``request``, following at most a few redirects that stay on the same origin."""
    for _ in range(MAX_REDIRECTS + 1):
        response = client.send(request, stream=stream)
        if not response.is_redirect:
            return response
        response.close()
        request = _redirected(client, request, response)
    raise BadResponse("too many redirects")


def _redirected(client: httpx.Client, request: httpx.Request, response: httpx.Response) -> httpx.Request:
    """The request a redirect asks for, when it stays on the same origin."""
    target = response.next_request
    if target is None or not same_origin(request.url, target.url):
        host = target.url.host if target is not None else "an unknown location"
        raise BadResponse(f"the server redirected to {host}; credentials are never sent to another host")
    # Keep method, body and credentials only on the same origin (307/308 semantics).
    return client.build_request(request.method, target.url, headers=request.headers, content=request.content)
