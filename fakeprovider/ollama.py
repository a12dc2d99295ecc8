"""Ollama's native API: ``POST /api/chat`` (NDJSON by default), ``GET /api/tags`` and ``POST /api/embed``.
No credential is needed; a bearer key of ``invalid`` is still refused."""

from __future__ import annotations

import hashlib
from typing import Any

from fakeprovider.base import BadRequest, Call, Reply, Route, Stream, Wire, dumps, json_reply, phrase
from fakeprovider.echo import dimensions_of, echo, inputs_of, pieces, prompt_tokens, tokens, vector

MODEL_NAMES = ("echo-1:latest", "echo-2:latest", "embed-1:latest")
CREATED_AT = "2025-01-01T00:00:00Z"
LOAD_NS = 1_000_000
ERROR_MESSAGES = {
    400: "invalid request",
    401: "unauthorized",
    429: "server busy, please try again. maximum pending requests exceeded",
    500: "llama runner process has terminated: exit status 2",
    502: "bad gateway",
}
CONTEXT_MESSAGE = "the input length exceeds the context length"
RUNNER_STOPPED = (
    "model runner has unexpectedly stopped, this may be due to resource limitations or an internal error, "
    "check ollama server logs for details"
)


class OllamaWire(Wire):
    requires_key = False

    def error(self, call: Call, status: int, *, kind: str = "", message: str | None = None) -> Reply:
        default = CONTEXT_MESSAGE if kind == "context" else ERROR_MESSAGES.get(status, phrase(status).lower())
        return json_reply({"error": message or default}, status)

    def stream_error(self, call: Call) -> bytes:
        return _line({"error": RUNNER_STOPPED})


def chat(call: Call) -> Reply | Stream:
    """``stream`` defaults to true: one NDJSON line per piece, then a ``done`` line with counts in nanoseconds."""
    model = _model(call)
    if _missing(model):
        return call.error(404, message=f"model '{model}' not found")
    messages = call.body.get("messages") or []
    if not isinstance(messages, list):
        raise BadRequest("messages must be a list")
    reply = echo(messages)
    counts = (prompt_tokens(messages), tokens(reply))
    if call.body.get("stream", True) is False:
        return json_reply(_final(model, reply, *counts))
    chunks = [_line(_partial(model, piece)) for piece in pieces(reply)]
    return Stream("application/x-ndjson", [], chunks, [_line(_final(model, "", *counts))])


def _partial(model: str, content: str) -> dict[str, Any]:
    return {
        "model": model,
        "created_at": CREATED_AT,
        "message": {"role": "assistant", "content": content},
        "done": False,
    }


def _final(model: str, content: str, prompt_count: int, eval_count: int) -> dict[str, Any]:
    prompt_ns, eval_ns = prompt_count * 1_000_000, eval_count * 10_000_000
    return {
        **_partial(model, content),
        "done": True,
        "done_reason": "stop",
        "total_duration": LOAD_NS + prompt_ns + eval_ns,
        "load_duration": LOAD_NS,
        "prompt_eval_count": prompt_count,
        "prompt_eval_duration": prompt_ns,
        "eval_count": eval_count,
        "eval_duration": eval_ns,
    }


def _line(value: Any) -> bytes:
    return dumps(value) + b"\n"


def tags(call: Call) -> Reply:
    return json_reply({"models": [_tag(i, name) for i, name in enumerate(MODEL_NAMES)]})


def _tag(i: int, name: str) -> dict[str, Any]:
    details = {"format": "gguf", "family": "echo", "parameter_size": "1B", "quantization_level": "Q4_K_M"}
    digest = hashlib.sha256(name.encode()).hexdigest()
    size = (i + 1) * 10**9
    return {"name": name, "model": name, "modified_at": CREATED_AT, "size": size, "digest": digest, "details": details}


def embed(call: Call) -> Reply:
    model = _model(call)
    if _missing(model):
        return call.error(404, message=f"model '{model}' not found")
    texts = inputs_of(call.body.get("input"))
    dimensions = dimensions_of(call.body)
    used = sum(tokens(text) for text in texts)
    return json_reply(
        {
            "model": model,
            "embeddings": [vector(text, dimensions) for text in texts],
            "total_duration": LOAD_NS + used * 1_000_000,
            "load_duration": LOAD_NS,
            "prompt_eval_count": used,
        }
    )


def _model(call: Call) -> str:
    if not call.model:
        raise BadRequest("model is required")
    return call.model


def _missing(model: str) -> bool:
    """The one model name this fake does not have, to exercise "model not found"."""
    return model.split(":")[0] == "missing"


WIRE = OllamaWire()
ROUTES = [
    Route("POST", "/api/chat", WIRE, chat),
    Route("GET", "/api/tags", WIRE, tags),
    Route("POST", "/api/embed", WIRE, embed),
]
