"""A fast OpenAI-compatible upstream: ``POST /v1/chat/completions`` (JSON, or SSE with ``"stream": true``).

    python -m bench.loadkit.mock --port 9000 --latency-ms 10

Plain asyncio with a minimal HTTP/1.1 parser (keep-alive, Content-Length or chunked request bodies), so that it
spends a small fraction of a millisecond per request and is never what limits a server under test. Every
reply waits ``--latency-ms`` before its first byte; a stream then sends its chunks at once. ``GET /stats``
answers the number of chat requests served, which tells how many upstream calls each server made per request.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from contextlib import suppress

REPLY = "Hello from the mock upstream."
# What a client checks in a reply that went through a server under test.
REPLY_MARKER = b"Hello from the mock upstream"
PIECES = ("Hello", " from", " the", " mock", " upstream.")
USAGE = {"prompt_tokens": 8, "completion_tokens": 6, "total_tokens": 14}


def completion(model: str) -> bytes:
    return json.dumps(
        {
            "id": "chatcmpl-mock",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": REPLY}, "finish_reason": "stop"}],
            "usage": USAGE,
        }
    ).encode()


def stream_events(model: str) -> list[bytes]:
    """The SSE events of a streamed reply: role, the pieces, the finish, usage, ``[DONE]``."""

    def chunk(delta: dict[str, str], finish: str | None = None) -> dict[str, object]:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        return {"id": "chatcmpl-mock", "object": "chat.completion.chunk", "model": model, "choices": [choice]}

    chunks = [chunk({"role": "assistant", "content": ""}), *(chunk({"content": p}) for p in PIECES), chunk({}, "stop")]
    chunks.append({**chunk({}), "choices": [], "usage": USAGE})
    return [b"data: " + json.dumps(c).encode() + b"\n\n" for c in chunks] + [b"data: [DONE]\n\n"]


MODELS = json.dumps({"object": "list", "data": [{"id": "mock-model", "object": "model", "owned_by": "mock"}]}).encode()


class Incomplete(Exception):
    """The buffer does not hold a whole request yet."""


def take_request(buffer: bytearray) -> tuple[str, str, dict[str, str], bytes]:
    """Remove one request from ``buffer``: method, path, lower-cased headers, body. Raises ``Incomplete``."""
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        raise Incomplete
    head = bytes(buffer[:end]).decode("latin-1").split("\r\n")
    method, path, _version = head[0].split(" ", 2)
    headers = {}
    for line in head[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    start = end + 4
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body, start = _chunked_body(buffer, start)
    else:
        length = int(headers.get("content-length") or 0)
        if len(buffer) < start + length:
            raise Incomplete
        body, start = bytes(buffer[start : start + length]), start + length
    del buffer[:start]
    return method, path, headers, body


def _chunked_body(buffer: bytearray, start: int) -> tuple[bytes, int]:
    body = bytearray()
    while True:
        line_end = buffer.find(b"\r\n", start)
        if line_end < 0:
            raise Incomplete
        size = int(bytes(buffer[start:line_end]).split(b";")[0], 16)
        start = line_end + 2
        if size == 0:
            trailer_end = buffer.find(b"\r\n", start)  # no trailers: the empty line that ends the body
            if trailer_end < 0:
                raise Incomplete
            return bytes(body), trailer_end + 2
        if len(buffer) < start + size + 2:
            raise Incomplete
        body += buffer[start : start + size]
        start += size + 2


class MockUpstream(asyncio.Protocol):
    served = 0  # chat requests, across connections

    def __init__(self, latency: float) -> None:
        self.latency = latency
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            try:
                method, path, _headers, body = take_request(self.buffer)
            except Incomplete:
                return
            except ValueError:
                self._send(400, b'{"error": "bad request"}')
                return
            self._route(method, path, body)

    def _route(self, method: str, path: str, body: bytes) -> None:
        if method == "POST" and path.split("?")[0].endswith("/chat/completions"):
            MockUpstream.served += 1
            request = json.loads(body or b"{}")
            reply = self._stream if request.get("stream") else self._json
            asyncio.get_running_loop().call_later(self.latency, reply, str(request.get("model", "mock-model")))
        elif path.endswith("/models"):
            self._send(200, MODELS)
        elif path == "/stats":
            self._send(200, json.dumps({"chat_requests": MockUpstream.served}).encode())
        else:
            self._send(200 if path == "/health" else 404, b"{}")

    def _json(self, model: str) -> None:
        self._send(200, completion(model))

    def _stream(self, model: str) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        head = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
        frames = [b"%x\r\n%s\r\n" % (len(event), event) for event in stream_events(model)]
        self.transport.write(head + b"".join(frames) + b"0\r\n\r\n")

    def _send(self, status: int, body: bytes) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        head = f"HTTP/1.1 {status} {'OK' if status == 200 else 'Error'}\r\ncontent-type: application/json\r\n"
        self.transport.write(f"{head}content-length: {len(body)}\r\n\r\n".encode() + body)


async def serve(port: int, latency: float) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: MockUpstream(latency), "127.0.0.1", port, backlog=1024)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    args = parser.parse_args()
    with suppress(KeyboardInterrupt):
        asyncio.run(serve(args.port, args.latency_ms / 1000))


if __name__ == "__main__":
    main()
