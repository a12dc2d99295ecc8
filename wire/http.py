"""The one module that builds HTTP clients.

Clients are shared per process, carry explicit connect/read/write/pool timeouts and connection limits from
settings, and never follow redirects on their own: credentials must not travel to another host. Same-host
redirects are followed explicitly by ``send`` below.
"""

from __future__ import annotations

import threading
from urllib.parse import urlsplit

import httpx
from django.conf import settings

from core.errors import BadResponse

_lock = threading.Lock()
_sync_client: httpx.Client | None = None
_async_client: httpx.AsyncClient | None = None
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


def async_client() -> httpx.AsyncClient:
    global _async_client
    if _async_client is None:
        with _lock:
            if _async_client is None:
                _async_client = httpx.AsyncClient(
                    timeout=timeout(), limits=limits(), follow_redirects=False, trust_env=False
                )
    return _async_client


def reset_clients() -> None:
    """Close and forget the shared clients (tests that change timeout settings; forked workers)."""
    global _sync_client, _async_client
    with _lock:
        if _sync_client is not None:
            _sync_client.close()
        _sync_client, _async_client = None, None


def same_origin(a: httpx.URL | str, b: httpx.URL | str) -> bool:
    left, right = urlsplit(str(a)), urlsplit(str(b))
    return (left.scheme, left.hostname, left.port) == (right.scheme, right.hostname, right.port)


def send(client: httpx.Client, request: httpx.Request, *, stream: bool = False) -> httpx.Response:
    """Send ``request``, following at most a few redirects that stay on the same origin."""
    for _ in range(MAX_REDIRECTS + 1):
        response = client.send(request, stream=stream)
        if not response.is_redirect:
            return response
        target = response.next_request
        response.close()
        if target is None or not same_origin(request.url, target.url):
            host = target.url.host if target is not None else "an unknown location"
            raise BadResponse(f"the server redirected to {host}; credentials are never sent to another host")
        # Keep method, body and credentials only on the same origin (307/308 semantics).
        request = client.build_request(request.method, target.url, headers=request.headers, content=request.content)
    raise BadResponse("too many redirects")
