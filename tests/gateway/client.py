"""The official ``openai`` SDK pointed at the ASGI application uvicorn serves, as the gateway tests use it."""

from __future__ import annotations

from typing import Any

import httpx
import openai

from config.asgi import application
from tests.asgi_client import run_async


def _on_the_application(make: Any, library: Any, base_url: str, api_key: str) -> Any:
    """An SDK client (``make``) whose HTTP client (of ``library``) sends to the application in this process."""
    transport = library.ASGITransport(app=application)
    http_client = library.AsyncClient(transport=transport, base_url="http://testserver")
    return make(base_url=base_url, api_key=api_key, max_retries=0, http_client=http_client)


def sdk(api_key: str) -> openai.AsyncOpenAI:
    return _on_the_application(openai.AsyncOpenAI, httpx, "http://testserver/v1", api_key)


def call(api_key: str, job: Any, client: Any = None) -> Any:
    """``await job(client)`` with an SDK client on the key: the openai SDK's (``sdk``) unless told another."""

    async def run() -> Any:
        async with (client or sdk)(api_key) as made:
            return await job(made)

    return run_async(run())


def chat(client: openai.AsyncOpenAI, **options: Any) -> Any:
    options.setdefault("model", "team/echo-1")
    options.setdefault("messages", [{"role": "user", "content": "hi"}])
    return client.chat.completions.create(**options)


def anthropic_sdk(api_key: str) -> Any:
    """The official ``anthropic`` SDK on the same application: it sends its key as ``x-api-key``. Its releases
    since 2.x use ``httpx2``, httpx's successor, whose client it insists on."""
    import anthropic

    try:
        import httpx2 as client_library
    except ImportError:  # an SDK release on httpx
        client_library = httpx  # type: ignore[assignment]
    return _on_the_application(anthropic.AsyncAnthropic, client_library, "http://testserver", api_key)


def call_anthropic(api_key: str, job: Any) -> Any:
    return call(api_key, job, anthropic_sdk)
