"""A loopback fake of several LLM provider APIs, with faults on demand.

The protocol modules (``openai``, ``anthropic``, ``ollama``, ``rerank``, ``replicate``) declare ``ROUTES`` on what
``base`` gives them (the routed ``Call``, the ``Reply`` / ``Stream`` plans, the ``Wire`` base class) and answer with
the deterministic ``echo`` model. This module routes requests, checks credentials, applies ``faults`` and writes
the bytes.

A fault is chosen by the ``x-fake-fault`` header or by ``fault-<name>`` at the end of the model name (see
``FakeProviderServer.apply_fault``). A flavour of the OpenAI protocol is chosen by the ``x-fake-flavor`` header or by
the model name's first word (``moonshot-echo``).
"""

from __future__ import annotations

import re
import socket
import socketserver
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from fakeprovider import anthropic, ollama, openai, replicate, rerank
from fakeprovider.base import (
    BadRequest,
    Call,
    Handler,
    Plan,
    RecordedRequest,
    Reply,
    Route,
    Stall,
    Stream,
    json_reply,
    phrase,
)
from fakeprovider.faults import FAULTS, Produce


def default_routes() -> list[Route]:
    """Every protocol's routes, most specific first."""
    return [*anthropic.ROUTES, *replicate.ROUTES, *openai.ROUTES, *ollama.ROUTES, *rerank.ROUTES]


# --- The server. ---


class FakeProviderServer:
    """A fake provider on a loopback port. ``requests`` records what arrived; ``reset()`` forgets it.

    Use ``running_fake_server()`` in tests; ``start()`` / ``stop()`` or ``serve_forever()`` otherwise.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        routes: Sequence[Route] | None = None,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.routes = list(routes) if routes is not None else default_routes()
        self.stopping = threading.Event()
        self.log = log
        # A fault for every request that names none (calls without a model name: model lists, connection tests).
        self.fault = ""
        # Paths this server does not serve at all (many self-hosted servers have no ``/models``).
        self.missing_paths: set[str] = set()
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._counters: dict[str, int] = {}
        self._connections: set[socket.socket] = set()
        self._serving = False
        self._thread: threading.Thread | None = None
        self._httpd = (_HTTPServer6 if ":" in host else _HTTPServer)((host, port), _RequestHandler)
        self._httpd.fake = self
        self.host = host
        self.port = int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of the requests received so far, oldest first."""
        with self._lock:
            return list(self._requests)

    def reset(self) -> None:
        """Forget recorded requests and ``flaky`` counters."""
        with self._lock:
            self._requests.clear()
            self._counters.clear()

    def start(self) -> None:
        """Serve from a daemon thread."""
        self._serving = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, name=f"fake-provider-{self.port}"
        )
        self._thread.daemon = True
        self._thread.start()

    def serve_forever(self) -> None:
        """Serve from this thread until interrupted."""
        self._serving = True
        self._httpd.serve_forever(poll_interval=0.2)

    def stop(self) -> None:
        """Stop serving, end stalled and streaming responses and close every connection. Idempotent."""
        self.stopping.set()
        if self._serving:
            self._httpd.shutdown()
            self._serving = False
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self._httpd.server_close()
        if self._thread:
            self._thread.join(timeout=2)

    shutdown = stop  # the name socketserver uses; tests reach for either

    def handle(self, request: RecordedRequest) -> Plan:
        """Record a request and decide the answer: route, precheck, credential, fault, handler."""
        with self._lock:
            self._requests.append(request)
        if self.missing_paths and urlsplit(request.path).path.endswith(tuple(self.missing_paths)):
            return json_reply({"detail": "Not Found"}, 404)
        for route in self.routes:
            if (params := route.match(request)) is not None:
                return self._answer(Call(request, route.wire, params), route.handler)
        return json_reply({"error": f"The fake provider has no route for {request.method} {request.path}"}, 404)

    def _answer(self, call: Call, handler: Handler) -> Plan:
        try:
            if early := call.wire.precheck(call):
                return early
            key = call.wire.credential(call)
            if key == "invalid" or (not key and call.wire.requires_key):
                return call.error(401, kind="auth")
            return self.apply_fault(call, lambda: handler(call))
        except BadRequest as exc:
            return call.error(400, message=str(exc))

    def apply_fault(self, call: Call, produce: Produce) -> Plan:
        """Apply ``call.fault`` (see ``FAULTS``, plus statuses, ``latency-<ms>``, ``flaky-<n>`` and ``redirect``)."""
        fault = call.fault or self.fault
        if not fault:
            return produce()
        if fault in FAULTS:
            return FAULTS[fault](call, produce)
        if re.fullmatch(r"[45]\d\d", fault):
            return call.error(int(fault))
        if fault == "redirect":
            return Reply(307, b"", {"location": f"http://127.0.0.2:{self.port}{call.request.path}"})
        if found := re.fullmatch(r"latency-(\d+)", fault):
            return replace(produce(), delay=int(found[1]) / 1000)
        if found := re.fullmatch(r"flaky-(\d+)", fault):
            return self._flaky(call, int(found[1]), produce)
        return call.error(400, message=f"Unknown fake fault {fault!r}.")

    def _flaky(self, call: Call, failures: int, produce: Produce) -> Plan:
        """Fail the first ``failures`` requests with the same fault key (``x-fake-key``, else the model)."""
        key = call.headers.get("x-fake-key") or call.model
        with self._lock:
            count = self._counters[key] = self._counters.get(key, 0) + 1
        return call.error(500) if count <= failures else produce()

    def connection_opened(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.add(connection)

    def connection_closed(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.discard(connection)


@contextmanager
def running_fake_server(host: str = "127.0.0.1", port: int = 0) -> Iterator[FakeProviderServer]:
    """A ``FakeProviderServer`` serving from a daemon thread (an ephemeral port by default), stopped on exit."""
    server = FakeProviderServer(host, port)
    server.start()
    try:
        yield server
    finally:
        server.stop()


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeProviderServer

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host's FQDN, which can stall on a machine without DNS.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), int(self.server_address[1])


class _HTTPServer6(_HTTPServer):
    address_family = socket.AF_INET6


class _RequestHandler(BaseHTTPRequestHandler):
    """Reads a request, asks the ``FakeProviderServer`` for a plan and writes it out."""

    protocol_version = "HTTP/1.1"
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without this, Nagle and delayed ACKs add ~40 ms to each reply.
        with suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.fake.connection_opened(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.fake.connection_closed(self.connection)

    def do_GET(self) -> None:
        headers = {name.lower(): value for name, value in self.headers.items()}
        request = RecordedRequest(self.command, self.path, headers, self._read_body())
        plan = self.server.fake.handle(request)
        try:
            if isinstance(plan, Stall):
                self._pause(plan.seconds)
                self._drop()
            elif isinstance(plan, Stream):
                self._send_stream(plan)
            else:
                self._send_reply(plan)
        except ConnectionError:
            self.close_connection = True

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.fake.log:
            self.server.fake.log(format % args)

    def _read_body(self) -> bytes:
        if self.headers.get("transfer-encoding", "").lower() != "chunked":
            return self.rfile.read(int(self.headers.get("content-length") or 0))
        body = b""
        while size := int(self.rfile.readline().split(b";")[0], 16):
            body += self.rfile.read(size)
            self.rfile.readline()
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass
        return body

    def _pause(self, seconds: float) -> bool:
        """Wait, unless the server is stopping; report whether to carry on."""
        return seconds <= 0 or not self.server.fake.stopping.wait(seconds)

    def _drop(self) -> None:
        """Close the connection without finishing the response."""
        self.close_connection = True
        with suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _start(self, status: int, headers: Mapping[str, str]) -> None:
        self.send_response(status, phrase(status))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()

    def _send_reply(self, reply: Reply) -> None:
        if not self._pause(reply.delay):
            return self._drop()
        length = len(reply.body) + (64 if reply.abort else 0)
        self._start(reply.status, {**reply.headers, "content-length": str(length)})
        if reply.trickle:
            for i in range(len(reply.body)):
                if not self._pause(reply.trickle):
                    return self._drop()
                self.wfile.write(reply.body[i : i + 1])
                self.wfile.flush()
        else:
            self.wfile.write(reply.body)
        if reply.abort:
            self._drop()

    def _send_stream(self, stream: Stream) -> None:
        headers = {"content-type": stream.media_type, "cache-control": "no-cache", **stream.headers}
        self._start(200, {**headers, "transfer-encoding": "chunked"})
        for frames, silence in ((stream.prelude + stream.chunks, stream.silence), (stream.coda, stream.linger)):
            for frame in frames:
                if not self._pause(stream.delay):
                    return self._drop()
                self.wfile.write(b"%x\r\n%s\r\n" % (len(frame), frame))
            if not self._pause(silence):
                return self._drop()
        if stream.abort:
            return self._drop()
        self.wfile.write(b"0\r\n\r\n")
