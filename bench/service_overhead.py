"""Service-layer overhead per chat call, as a ratio to a bare httpx call against the same fake server.

    .venv/bin/python -m bench.service_overhead [--calls 300] [--latency-ms 0]

Prints median and mean latency for a bare httpx POST and for ``calls.services.chat`` (credential lookup,
decryption at call time, adapter, retries wrapper, CallLog row), plus the streaming time-to-first-token
overhead. Runs against a throw-away SQLite database and a fake provider on loopback. Goal: under 1.5x and under
1 ms of absolute overhead at zero upstream latency.

Both sides of the streaming figure time the first content token (the role-only first chunk has none; the
service layer yields only deltas with content) and then read the stream to its end. Each side's count of new
connections to the fake server is printed with it: the service layer's stream reader closes the response at
``[DONE]``, before the chunked body's last chunk, so httpx cannot pool that connection, and every streamed call
opens a new one, which its time to first token includes.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fakeprovider import FakeProviderServer


def _setup_django(db_path: str) -> None:
    from credentials.crypto import generate_key

    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    os.environ["DJANGO_ENV_FILE"] = ""
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ["CREDENTIAL_ENCRYPTION_KEYS"] = generate_key()
    os.environ["CREDENTIAL_TEST_ON_SAVE"] = "false"
    os.environ["LOG_LEVEL"] = "WARNING"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_providers", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115


class _Connections:
    """Counts the connections the fake server accepts; calls run one at a time, so each is the caller's."""

    def __init__(self, server: FakeProviderServer) -> None:
        self.opened = 0
        accept = server.connection_opened

        def counted(connection: socket.socket) -> None:
            self.opened += 1
            accept(connection)

        server.connection_opened = counted  # type: ignore[method-assign]


def _quiet_client_resets(server: FakeProviderServer) -> None:
    """Drop without a traceback a connection that its client reset (see the module docstring: the service layer
    closes streamed responses unread). socketserver prints one for each; any other error still prints.

    fakeprovider/ offers no hook for this, and the tests want its errors loud, so the bench sets it on its own
    server's socketserver.
    """
    httpd = server._httpd
    report = httpd.handle_error

    def handle_error(request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            report(request, client_address)  # type: ignore[arg-type]

    httpd.handle_error = handle_error  # type: ignore[method-assign]


def _once(fn: Callable[[], object]) -> float:
    """Milliseconds for one call; a function may return its own measurement in seconds (time to first token)."""
    start = time.perf_counter()
    measured = fn()
    return (measured if isinstance(measured, float) else time.perf_counter() - start) * 1000


Samples = tuple[list[float], int]  # milliseconds per call, and the connections the calls opened


def _time_pair(
    a: Callable[[], object], b: Callable[[], object], calls: int, connections: _Connections
) -> tuple[Samples, Samples]:
    """Interleave the two, call by call, so that drift on a busy machine hits both alike."""
    for _ in range(min(30, calls)):
        a(), b()  # warm-up: connections, imports, caches
    samples: tuple[list[float], list[float]] = ([], [])
    opened = [0, 0]
    for _ in range(calls):
        for side, fn in enumerate((a, b)):
            before = connections.opened
            samples[side].append(_once(fn))
            opened[side] += connections.opened - before
    return (samples[0], opened[0]), (samples[1], opened[1])


def _report(label: str, bare: Samples, ours: Samples) -> None:
    b, o = statistics.median(bare[0]), statistics.median(ours[0])
    print(f"{label}")
    print(_side("bare httpx", *bare))
    print(_side("service layer", *ours))
    print(f"  overhead        {o - b:+7.3f} ms per call   ratio {o / b:5.2f}x")


def _side(name: str, samples: list[float], opened: int) -> str:
    median, mean = statistics.median(samples), statistics.fmean(samples)
    return f"  {name:15} median {median:7.3f} ms   mean {mean:7.3f} ms   new connections {opened}"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--latency-ms", type=int, default=0, help="upstream latency the fake server adds")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        _setup_django(os.path.join(tmp, "bench.sqlite3"))
        import httpx

        from calls.services import chat, chat_stream
        from credentials.services import credential_save
        from fakeprovider import running_fake_server
        from providers.models import Provider
        from wire.types import Message

        with running_fake_server() as server, httpx.Client(timeout=30) as client:
            _quiet_client_resets(server)
            connections = _Connections(server)
            base = f"{server.url}/v1"
            credential = credential_save(
                provider=Provider.objects.get(slug="openai_compatible"),
                name="bench",
                values={"base_url": base, "api_key": "sk-bench-000000000000"},
            )
            model = f"echo-fault-latency-{args.latency_ms}" if args.latency_ms else "echo-1"
            messages = [Message("system", "You are terse."), Message("user", "Say hello")]
            body = {"model": model, "messages": [{"role": m.role, "content": m.content} for m in messages]}
            headers = {"Authorization": "Bearer sk-bench-000000000000"}

            def bare() -> object:
                return client.post(f"{base}/chat/completions", json=body, headers=headers).json()["choices"][0]

            def ours() -> object:
                return chat(credential=credential, model=model, messages=messages).content

            def bare_ttft() -> float:
                start = time.perf_counter()
                first = 0.0
                stream_body = {**body, "stream": True, "stream_options": {"include_usage": True}}
                with client.stream("POST", f"{base}/chat/completions", json=stream_body, headers=headers) as response:
                    for line in response.iter_lines():
                        if not first and line.startswith("data: {"):
                            delta = json.loads(line[6:])["choices"]
                            if delta and delta[0]["delta"].get("content"):
                                first = time.perf_counter() - start
                if not first:
                    raise RuntimeError("the bare stream had no content token")
                return first

            def ours_ttft() -> float:
                start = time.perf_counter()
                first = 0.0
                for _delta in chat_stream(credential=credential, model=model, messages=messages):
                    first = first or time.perf_counter() - start
                if not first:
                    raise RuntimeError("the service layer's stream had no content token")
                return first

            print(f"{args.calls} calls, upstream latency {args.latency_ms} ms, fake server on {server.url}")
            _report("Non-streaming chat", *_time_pair(bare, ours, args.calls, connections))
            _report("Streaming time to first token", *_time_pair(bare_ttft, ours_ttft, args.calls, connections))
            from calls import call_log

            call_log.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
