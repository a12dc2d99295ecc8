"""A loopback fake of several LLM provider APIs, with faults on demand.

The protocol modules (``openai``, ``anthropic``, ``ollama``, ``rerank``, ``replicate``) declare ``ROUTES``. This
module holds what they share (the routed ``Call``, the ``Reply`` / ``Stream`` plans, the ``Wire`` base class and the
deterministic echo model), and it routes requests, checks credentials, applies faults and writes the bytes.

A fault is chosen by the ``x-fake-fault`` header or by ``fault-<name>`` at the end of the model name (see
``FakeProviderServer.apply_fault``). A flavour of the OpenAI protocol is chosen by the ``x-fake-flavor`` header or by
the model name's first word (``moonshot-echo``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
import socket
import socketserver
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from email.message import Message
from email.parser import BytesHeaderParser
from functools import cached_property
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeAlias
from urllib.parse import parse_qsl, quote, urlsplit

STALL_SECONDS = 30.0
DEFAULT_DIMENSIONS = 8
FLAVORS = frozenset({"moonshot", "deepseek", "azure", "gemini", "zhipu", "vllm"})


# --- The echo model: every protocol answers with the same deterministic text, vectors and token counts. ---


def tokens(text: str) -> int:
    """The fake tokenizer: one token per four characters, at least one."""
    return max(1, math.ceil(len(text) / 4))


def text_of(content: Any) -> str:
    """The text of a message content: a string, or a list of text blocks (OpenAI parts, Anthropic blocks)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(block.get("text", "")) for block in content if isinstance(block, dict))
    return ""


def echo(messages: Sequence[Any]) -> str:
    """The reply to a conversation: "Echo: " and the text of the last user message."""
    users = [m for m in messages if isinstance(m, dict) and m.get("role") == "user"]
    return "Echo: " + (text_of(users[-1].get("content")) if users else "")


def prompt_tokens(messages: Sequence[Any], *extra: str) -> int:
    """Tokens of every message content, plus any extra prompt text (Anthropic's top-level system)."""
    texts = [text_of(m.get("content")) for m in messages if isinstance(m, dict)]
    return sum(tokens(text) for text in [*texts, *extra])


def pieces(text: str, size: int = 4) -> list[str]:
    """The text in stream-sized pieces."""
    return [text[i : i + size] for i in range(0, len(text), size)]


def vector(text: str, dimensions: int) -> list[float]:
    """A deterministic unit-length vector derived from SHA-256 of the text."""
    raw = [
        int.from_bytes(hashlib.sha256(f"{i}:{text}".encode()).digest()[:4], "big") / 2**31 - 1
        for i in range(dimensions)
    ]
    norm = math.sqrt(sum(v * v for v in raw)) or 1.0
    return [round(v / norm, 6) for v in raw]


def inputs_of(value: Any) -> list[str]:
    """Embedding inputs as texts: a string, a list of strings, or token arrays (which stand in as their JSON)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, int) for v in value):
        return [json.dumps(value)]
    if isinstance(value, list) and value and all(isinstance(v, str | list) for v in value):
        return [v if isinstance(v, str) else json.dumps(v) for v in value]
    raise BadRequest("'input' must be a string, a list of strings or a list of token arrays.")


def dimensions_of(body: Mapping[str, Any]) -> int:
    value = body.get("dimensions", DEFAULT_DIMENSIONS)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 4096:
        raise BadRequest("'dimensions' must be an integer between 1 and 4096.")
    return value


# --- What a handler returns: a plan for the bytes the server writes. ---


@dataclass(frozen=True)
class Reply:
    """A complete response. ``abort`` announces more body than is sent, then drops the connection."""

    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0
    abort: bool = False
    trickle: float = 0.0  # seconds between single bytes of the body (a slow upstream)


@dataclass(frozen=True)
class Stream:
    """A chunked streaming response: ``prelude`` frames, the text-bearing ``chunks``, then the ``coda``.

    Faults that interrupt a stream keep the prelude and the first two chunks. ``delay`` is slept before every frame.
    """

    media_type: str
    prelude: list[bytes]
    chunks: list[bytes]
    coda: list[bytes]
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0
    abort: bool = False


@dataclass(frozen=True)
class Stall:
    """Read the request, then send nothing until ``seconds`` pass or the server stops."""

    seconds: float = STALL_SECONDS


Plan: TypeAlias = Reply | Stream | Stall


def dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def json_reply(
    body: Any, status: int = 200, *, headers: Mapping[str, str] | None = None, media_type: str = "application/json"
) -> Reply:
    return Reply(status, dumps(body), {"content-type": media_type, **(headers or {})})


def sse(data: Any, event: str = "") -> bytes:
    """One server-sent event: an optional ``event:`` line, one ``data:`` line, a blank line."""
    return (f"event: {event}\n" if event else "").encode() + b"data: " + dumps(data) + b"\n\n"


def phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Overloaded" if status == 529 else "Error"


# --- The request as handlers see it. ---


class BadRequest(Exception):
    """Raised by a handler for a malformed request; answered as a 400 in the protocol's error format."""


@dataclass(frozen=True)
class RecordedRequest:
    """A request as received: method, raw target (path and query), lower-cased headers, body."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class FormPart:
    data: bytes
    filename: str | None = None

    @property
    def text(self) -> str:
        return self.data.decode("utf-8", "replace")


@dataclass
class Call:
    """A routed request: the recorded request, the protocol that answers it and the path parameters."""

    request: RecordedRequest
    wire: Wire
    params: dict[str, str]

    @property
    def headers(self) -> dict[str, str]:
        return self.request.headers

    @cached_property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.request.path).query))

    @cached_property
    def body(self) -> dict[str, Any]:
        """The JSON object body; anything else is a ``BadRequest``."""
        try:
            value = json.loads(self.request.body)
        except ValueError:
            raise BadRequest("We could not parse the JSON body of your request.") from None
        if not isinstance(value, dict):
            raise BadRequest("The request body must be a JSON object.")
        return value

    @cached_property
    def form(self) -> dict[str, FormPart]:
        return parse_form(self.request.body, self.headers.get("content-type", ""))

    @cached_property
    def model(self) -> str:
        """The model: a path parameter (Azure deployment, Replicate owner/name), else the body's ``model``."""
        if "model" in self.params:
            return self.params["model"]
        if self.headers.get("content-type", "").startswith("multipart/"):
            part = self.form.get("model")
            return part.text if part else ""
        value = _loose_json(self.request.body).get("model")
        return value if isinstance(value, str) else ""

    @property
    def flavor(self) -> str:
        named = self.wire.flavor or self.headers.get("x-fake-flavor", "").lower() or self.model.split("-")[0].lower()
        return named if named in FLAVORS else ""

    @property
    def fault(self) -> str:
        if header := self.headers.get("x-fake-fault", "").strip():
            return header.lower()
        found = re.search(r"fault-(.+)$", self.model)
        return found[1].lower() if found else ""

    def error(self, status: int, *, kind: str = "", message: str | None = None) -> Reply:
        """An error in this protocol's format. ``kind`` is "auth", "context" or "" (decided by the status)."""
        return self.wire.error(self, status, kind=kind, message=message)


def _loose_json(data: bytes) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def parse_form(body: bytes, content_type: str) -> dict[str, FormPart]:
    """The named parts of a multipart/form-data body (split by hand; headers parsed by the ``email`` package)."""
    header = Message()
    header["content-type"] = content_type
    boundary = header.get_boundary()
    if header.get_content_type() != "multipart/form-data" or not boundary:
        return {}
    parts: dict[str, FormPart] = {}
    for section in body.split(b"--" + boundary.encode())[1:]:
        if section.startswith(b"--"):
            break
        head, _, data = section.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        info = BytesHeaderParser().parsebytes(head)
        name = info.get_param("name", header="content-disposition")
        if isinstance(name, str):
            parts[name] = FormPart(data.removesuffix(b"\r\n"), info.get_filename())
    return parts


def bearer(headers: Mapping[str, str]) -> str | None:
    scheme, _, token = headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


class Wire:
    """One wire protocol's credential, error format and mid-stream error frame. Subclasses implement ``error``."""

    flavor = ""  # a flavour every request of this protocol has (Azure)
    requires_key = True

    def credential(self, call: Call) -> str | None:
        return bearer(call.headers)

    def precheck(self, call: Call) -> Reply | None:
        """An answer given before the credential is checked (e.g. Azure without ``api-version``)."""
        return None

    def error(self, call: Call, status: int, *, kind: str = "", message: str | None = None) -> Reply:
        raise NotImplementedError

    def stream_error(self, call: Call) -> bytes:
        """The frame a stream ends with when the ``midstream-error`` fault interrupts it."""
        return b""


Handler: TypeAlias = Callable[[Call], Reply | Stream]


@dataclass(frozen=True)
class Route:
    """``pattern`` is a regular expression for the whole path; ``when`` can narrow a shared path by headers."""

    method: str
    pattern: str
    wire: Wire
    handler: Handler
    when: Callable[[Mapping[str, str]], bool] | None = None

    def match(self, request: RecordedRequest) -> dict[str, str] | None:
        found = re.fullmatch(self.pattern, urlsplit(request.path).path)
        if request.method != self.method or not found or (self.when and not self.when(request.headers)):
            return None
        return found.groupdict()


def default_routes() -> list[Route]:
    """Every protocol's routes, most specific first. Imported here because those modules import this one."""
    from fakeprovider import anthropic, ollama, openai, replicate, rerank

    return [*anthropic.ROUTES, *replicate.ROUTES, *openai.ROUTES, *ollama.ROUTES, *rerank.ROUTES]


# --- Faults. ---

Produce: TypeAlias = Callable[[], Reply | Stream]
HTML_502 = b"<html><body><h1>502 Bad Gateway</h1></body></html>"


def _with_headers(reply: Reply, headers: Mapping[str, str]) -> Reply:
    return replace(reply, headers={**reply.headers, **headers})


def _cut(plan: Reply | Stream) -> Reply | Stream:
    if isinstance(plan, Stream):
        return replace(plan, chunks=plan.chunks[:2], coda=[], abort=True)
    return replace(plan, abort=True)


def _midstream_error(call: Call, plan: Reply | Stream) -> Reply | Stream:
    if isinstance(plan, Stream):
        return replace(plan, chunks=plan.chunks[:2], coda=[call.wire.stream_error(call)])
    return plan


KEEPALIVE = b": keep-alive\n\n"


def _keepalive(plan: Reply | Stream) -> Reply | Stream:
    """Keep-alive comments for a minute before the first token (or a trickled body, for a whole reply)."""
    if isinstance(plan, Stream):
        return replace(plan, prelude=[KEEPALIVE] * 600 + plan.prelude, delay=0.1)
    return replace(plan, trickle=0.1)


def _quiet_after_start(plan: Reply | Stream) -> Reply | Stream:
    """The first two chunks, then only keep-alive comments for a minute: a stream that went idle."""
    if isinstance(plan, Stream):
        return replace(plan, chunks=plan.chunks[:2], coda=[KEEPALIVE] * 600, delay=0.1, abort=True)
    return plan


# Valid JSON in shapes no provider documents: a string where an object goes, a number where a list goes.
WRONG_SHAPE = {"choices": [{"message": "x"}], "data": 5, "models": "x", "message": "text", "content": 5, "status": 1}


def _wrong_shape(plan: Reply | Stream) -> Reply | Stream:
    """Valid JSON of the wrong shape: the whole reply, or a stream chunk (a list where an object goes)."""
    if isinstance(plan, Reply):
        return Reply(200, dumps(WRONG_SHAPE), {"content-type": "application/json"})
    frame = b"[1,2]\n" if "ndjson" in plan.media_type else b'data: {"choices":[5]}\n\ndata: [1,2]\n\n'
    return replace(plan, chunks=[*plan.chunks[:1], frame], coda=[])


def _trickle(plan: Reply | Stream) -> Reply | Stream:
    """A body sent a byte every 0.2 s; a stream a frame every 0.2 s."""
    return replace(plan, trickle=0.2) if isinstance(plan, Reply) else replace(plan, delay=0.2)


def _echoing_key(call: Call, plan: Reply | Stream) -> Reply | Stream:
    """The caller's key echoed in a response header, whole."""
    key = call.wire.credential(call) or ""
    return replace(plan, headers={**plan.headers, "x-echo-key": key, "set-cookie": f"session={key}"})


def _echo_key_long(call: Call) -> Reply:
    """A long message followed by the key: a cut at 300 characters would keep the key's first characters."""
    key = call.wire.credential(call) or ""
    return call.error(400, message="Invalid request: " + "the input was not accepted " * 10 + f"(key {key}).")


def _echo_key_encoded(call: Call) -> Reply:
    """The key URL-encoded, JSON-escaped and inside a Basic credential."""
    key = call.wire.credential(call) or ""
    basic = base64.b64encode(f"user:{key}".encode()).decode()
    return call.error(401, message=f"Bad key {quote(key, safe='')} for Authorization: Basic {basic}")


FAULTS: dict[str, Callable[[Call, Produce], Plan]] = {
    "429": lambda call, _: _with_headers(call.error(429), {"retry-after": call.headers.get("x-fake-retry-after", "1")}),
    "429ms": lambda call, _: _with_headers(
        call.error(429), {"retry-after-ms": call.headers.get("x-fake-retry-after-ms", "1500")}
    ),
    "context": lambda call, _: call.error(400, kind="context"),
    "stall": lambda call, _: Stall(),
    "cut": lambda call, produce: _cut(produce()),
    "midstream-error": lambda call, produce: _midstream_error(call, produce()),
    "malformed": lambda call, _: Reply(200, b'{"id": "x", "choices": [', {"content-type": "application/json"}),
    "html": lambda call, _: Reply(502, HTML_502, {"content-type": "text/html"}),
    "html200": lambda call, _: Reply(200, HTML_502, {"content-type": "text/html"}),
    "echo-key": lambda call, _: call.error(
        400, message=f"Incorrect API key provided: {call.wire.credential(call) or ''}."
    ),
    "echo-key-long": lambda call, _: _echo_key_long(call),
    "echo-key-encoded": lambda call, _: _echo_key_encoded(call),
    "echo-key-header": lambda call, produce: _echoing_key(call, produce()),
    "echo-key-429": lambda call, _: _echoing_key(call, _with_headers(call.error(429), {"retry-after": "3600"})),
    "trickle": lambda call, produce: _trickle(produce()),
    "keepalive": lambda call, produce: _keepalive(produce()),
    "idle": lambda call, produce: _quiet_after_start(produce()),
    "wrong-shape": lambda call, produce: _wrong_shape(produce()),
}


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
        for frame in [*stream.prelude, *stream.chunks, *stream.coda]:
            if not self._pause(stream.delay):
                return self._drop()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(frame), frame))
        if stream.abort:
            return self._drop()
        self.wfile.write(b"0\r\n\r\n")
