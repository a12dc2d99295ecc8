"""The load generator: asyncio workers sending one kind of request at a fixed concurrency.

aiohttp is the client when it is installed (it costs the least CPU, and it shares core 0 with the mock upstream);
httpx otherwise. A reply counts as failed when it is not a 200, lacks the expected content, or never arrives
(``lost``: a timeout or a dropped connection).
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

TIMEOUT_SECONDS = 120.0
FirstToken = Callable[[str], bool]


def openai_first_token(line: str) -> bool:
    """An OpenAI stream line with content (the role-only first chunk has none)."""
    if not line.startswith("data: {"):
        return False
    choices = json.loads(line[6:]).get("choices") or [{}]
    return bool(choices[0].get("delta", {}).get("content"))


def modeldesk_first_token(line: str) -> bool:
    """The playground stream's first ``delta`` event (``start`` comes before any token)."""
    return line == "event: delta"


@dataclass(frozen=True)
class Target:
    """What to send to one server, and how to recognise its answer."""

    url: str
    body: bytes
    headers: dict[str, str]
    marker: bytes  # in the body of every good reply
    stream_url: str = ""  # empty: no streaming measurement
    stream_body: bytes = b""
    first_token: FirstToken = openai_first_token
    stream_end: bytes = b"data: [DONE]"
    method: str = "POST"


@dataclass
class Outcome:
    """Replies of one run: latencies (ms) of the good ones, and the failures by kind."""

    latencies: list[float] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)
    samples: dict[str, str] = field(default_factory=dict)  # one body per kind of failure, for the notes
    elapsed: float = 0.0

    @property
    def count(self) -> int:
        return len(self.latencies) + self.failed

    @property
    def failed(self) -> int:
        return sum(self.failures.values())

    @property
    def per_second(self) -> float:
        return self.count / self.elapsed if self.elapsed else 0.0

    def percentile(self, p: float) -> float | None:
        if len(self.latencies) < 2:
            return self.latencies[0] if self.latencies else None
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[int(p) - 1]

    def fail(self, kind: str, sample: str = "") -> None:
        self.failures[kind] += 1
        self.samples.setdefault(kind, sample[:300])


class Http(Protocol):
    name: str

    async def send(self, method: str, url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]: ...

    async def stream(
        self, url: str, body: bytes, headers: dict[str, str], first_token: FirstToken
    ) -> tuple[int, float | None, bytes]: ...

    async def close(self) -> None: ...


class AiohttpClient:
    name = "aiohttp"

    def __init__(self) -> None:
        import aiohttp

        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0, force_close=False),
            timeout=aiohttp.ClientTimeout(total=TIMEOUT_SECONDS),
        )

    async def send(self, method: str, url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        async with self._session.request(method, url, data=body or None, headers=headers) as response:
            return response.status, await response.read()

    async def stream(
        self, url: str, body: bytes, headers: dict[str, str], first_token: FirstToken
    ) -> tuple[int, float | None, bytes]:
        start, first, lines = time.perf_counter(), None, []
        async with self._session.post(url, data=body, headers=headers) as response:
            async for raw in response.content:
                line = raw.decode().rstrip("\r\n")
                if first is None and first_token(line):
                    first = time.perf_counter() - start
                lines.append(raw)
            return response.status, first, b"".join(lines)

    async def close(self) -> None:
        await self._session.close()


class HttpxClient:
    name = "httpx"

    def __init__(self) -> None:
        import httpx

        limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
        self._client = httpx.AsyncClient(timeout=TIMEOUT_SECONDS, limits=limits)

    async def send(self, method: str, url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        response = await self._client.request(method, url, content=body or None, headers=headers)
        return response.status_code, response.content

    async def stream(
        self, url: str, body: bytes, headers: dict[str, str], first_token: FirstToken
    ) -> tuple[int, float | None, bytes]:
        start, first, lines = time.perf_counter(), None, []
        async with self._client.stream("POST", url, content=body, headers=headers) as response:
            async for line in response.aiter_lines():
                if first is None and first_token(line):
                    first = time.perf_counter() - start
                lines.append(line)
            return response.status_code, first, "\n".join(lines).encode()

    async def close(self) -> None:
        await self._client.aclose()


def client_name() -> str:
    return "aiohttp" if importlib.util.find_spec("aiohttp") else "httpx"


def new_client() -> Http:
    return AiohttpClient() if client_name() == "aiohttp" else HttpxClient()


LOST = (OSError, asyncio.TimeoutError)


def _lost_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = list(LOST)
    try:
        import aiohttp

        errors.append(aiohttp.ClientError)
    except ImportError:
        pass
    import httpx

    errors.append(httpx.HTTPError)
    return tuple(errors)


async def run_level(http: Http, target: Target, *, concurrency: int, requests: int) -> Outcome:
    """``requests`` requests, ``concurrency`` at a time; each is timed from send to the last byte."""
    return await _run(http, target, [target.body] * requests, concurrency)


async def run_each(http: Http, target: Target, bodies: list[bytes]) -> Outcome:
    """One request per body, one at a time (each turn of its own conversation, say)."""
    return await _run(http, target, bodies, 1)


async def _run(http: Http, target: Target, bodies: list[bytes], concurrency: int) -> Outcome:
    outcome, todo, lost = Outcome(), iter(bodies), _lost_errors()

    async def worker() -> None:
        for body in todo:  # the workers share one iterator: each body is sent once
            start = time.perf_counter()
            try:
                status, reply = await http.send(target.method, target.url, body, target.headers)
            except lost as exc:
                outcome.fail("lost", repr(exc))
                continue
            if status != 200:
                outcome.fail(f"status {status}", reply.decode(errors="replace"))
            elif target.marker not in reply:
                outcome.fail("no reply content", reply.decode(errors="replace"))
            else:
                outcome.latencies.append((time.perf_counter() - start) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    outcome.elapsed = time.perf_counter() - started
    return outcome


async def run_ttft(http: Http, target: Target, *, requests: int) -> Outcome:
    """Streamed requests one at a time; the latency recorded is the time to the first content token."""
    return await run_streams(http, target, concurrency=1, requests=requests)


async def run_streams(http: Http, target: Target, *, concurrency: int, requests: int) -> Outcome:
    """Streamed requests, ``concurrency`` at a time, each read to its end; the latency recorded is the time to
    the first content token, and ``per_second`` counts streams."""
    outcome, lost, todo = Outcome(), _lost_errors(), iter(range(requests))

    async def worker() -> None:
        for _ in todo:  # the workers share one iterator: ``requests`` streams in all
            try:
                status, first, body = await http.stream(
                    target.stream_url, target.stream_body, target.headers, target.first_token
                )
            except lost as exc:
                outcome.fail("lost", repr(exc))
                continue
            if status != 200:
                outcome.fail(f"status {status}", body.decode(errors="replace"))
            elif first is None or target.stream_end not in body:
                outcome.fail("stream without a token or its end", body.decode(errors="replace"))
            else:
                outcome.latencies.append(first * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    outcome.elapsed = time.perf_counter() - started
    return outcome


def merged(*outcomes: Outcome) -> dict[str, Any]:
    """Failures of several runs, added up, with one sample body per kind."""
    failures: Counter[str] = Counter()
    samples: dict[str, str] = {}
    for outcome in outcomes:
        failures.update(outcome.failures)
        for kind, sample in outcome.samples.items():
            samples.setdefault(kind, sample)
    return {"failures": failures, "samples": samples}
