"""The official ``openai`` SDK pointed at the ASGI application uvicorn serves, as the gateway tests use it."""

from __future__ import annotations

from typing import Any

import httpx
import openai

from config.asgi import application
from tests.asgi_client import run_async


def sdk(api_key: str) -> openai.AsyncOpenAI:
    transport = httpx.ASGITransport(app=application)
    return openai.AsyncOpenAI(
        base_url="http://testserver/v1",
        api_key=api_key,
        max_retries=0,
        http_client=httpx.AsyncClient(transport=transport, base_url="http://testserver"),
    )


def call(api_key: str, job: Any) -> Any:
    async def run() -> Any:
        async with sdk(api_key) as client:
            return await job(client)

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
    transport = client_library.ASGITransport(app=application)
    return anthropic.AsyncAnthropic(
        base_url="http://testserver",
        api_key=api_key,
        max_retries=0,
        http_client=client_library.AsyncClient(transport=transport, base_url="http://testserver"),
    )


def call_anthropic(api_key: str, job: Any) -> Any:
    async def run() -> Any:
        async with anthropic_sdk(api_key) as client:
            return await job(client)

    return run_async(run())
