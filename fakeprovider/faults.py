"""Faults on demand, chosen by the ``x-fake-fault`` header or by ``fault-<name>`` at the end of the model name."""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TypeAlias
from urllib.parse import quote

from fakeprovider.base import Call, Plan, Reply, Stall, Stream, dumps, json_reply
from fakeprovider.echo import STALL_SECONDS

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


def _silent_after_start(plan: Reply | Stream) -> Reply | Stream:
    """The first two chunks, then not a byte until the stall time has passed: a model gone quiet."""
    if isinstance(plan, Stream):
        return replace(plan, chunks=plan.chunks[:2], coda=[], silence=STALL_SECONDS, abort=True)
    return plan


def _linger(plan: Reply | Stream) -> Reply | Stream:
    """The whole stream, then the body held open (no terminating chunk) for the stall time."""
    return replace(plan, linger=STALL_SECONDS) if isinstance(plan, Stream) else plan


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


# OpenAI's billing error: a 429 that no retry fixes (https://platform.openai.com/docs/guides/error-codes).
QUOTA = {
    "error": {
        "message": "You exceeded your current quota, please check your plan and billing details.",
        "type": "insufficient_quota",
        "param": None,
        "code": "insufficient_quota",
    }
}


# llama-cpp-python's server refuses an over-long prompt after it has sent a stream's headers: the stream ends
# with no chunk at all. Asked without streaming, it says why (the message the issue quotes, gemma-3-270m, 2048).
CONTEXT_WINDOW_MESSAGE = "Requested tokens (2510) exceed context window of 2048"


def _refused_after_headers(call: Call, plan: Reply | Stream) -> Reply | Stream:
    if isinstance(plan, Stream):
        return replace(plan, prelude=[], chunks=[], coda=[])
    return call.error(400, message=CONTEXT_WINDOW_MESSAGE)


FAULTS: dict[str, Callable[[Call, Produce], Plan]] = {
    "empty-stream-context": lambda call, produce: _refused_after_headers(call, produce()),
    "429": lambda call, _: _with_headers(call.error(429), {"retry-after": call.headers.get("x-fake-retry-after", "1")}),
    "429ms": lambda call, _: _with_headers(
        call.error(429), {"retry-after-ms": call.headers.get("x-fake-retry-after-ms", "1500")}
    ),
    "context": lambda call, _: call.error(400, kind="context"),
    "quota": lambda call, _: json_reply(QUOTA, 429),
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
    "silent": lambda call, produce: _silent_after_start(produce()),
    "linger": lambda call, produce: _linger(produce()),
    "wrong-shape": lambda call, produce: _wrong_shape(produce()),
}
