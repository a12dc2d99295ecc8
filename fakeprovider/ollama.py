"""Ollama's native API: ``POST /api/chat`` (NDJSON by default), ``GET /api/tags``, ``POST /api/show`` and
``POST /api/embed``. No credential is needed; a bearer key of ``invalid`` is still refused.

Honoured: a message's base64 ``images`` (the reply starts "[1 image] "), ``options.stop`` (the reply is cut before
the first one) and ``think`` (true or a level: ``message.thinking`` comes before the content).
"""

from __future__ import annotations

import base64
import binascii
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
THINKING = "The user wants an echo."
THINK_LEVELS = ("low", "medium", "high", "max")
ARCHITECTURE = "echo"
CONTEXT_LENGTH = 32768
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
    reply = _stopped(_images_note(messages) + echo(messages), (call.body.get("options") or {}).get("stop"))
    thinking = THINKING if _thinks(call.body.get("think")) else ""
    counts = (prompt_tokens(messages), tokens(reply) + (tokens(thinking) if thinking else 0))
    if call.body.get("stream", True) is False:
        return json_reply(_final(model, reply, *counts, thinking=thinking))
    chunks = [_line(_partial(model, "", thinking=piece)) for piece in pieces(thinking)]
    chunks += [_line(_partial(model, piece)) for piece in pieces(reply)]
    return Stream("application/x-ndjson", [], chunks, [_line(_final(model, "", *counts))])


def _thinks(think: Any) -> bool:
    if think is None or isinstance(think, bool):
        return bool(think)
    if think not in THINK_LEVELS:
        raise BadRequest(f'invalid think value: {think!r} (must be "high", "medium", "low", "max", true, or false)')
    return True


def _images_note(messages: list[Any]) -> str:
    """ "[2 images] " when the last user message has base64 images (each one decoded), else nothing."""
    users = [m for m in messages if isinstance(m, dict) and m.get("role") == "user"]
    images = (users[-1].get("images") or []) if users else []
    for image in images:
        try:
            base64.b64decode(image, validate=True)
        except (TypeError, binascii.Error):
            raise BadRequest("illegal base64 data in images") from None
    if not images:
        return ""
    return f"[{len(images)} image{'s' if len(images) > 1 else ''}] "


def _stopped(reply: str, stops: Any) -> str:
    """The reply cut before the first stop sequence it contains."""
    found = [reply.find(s) for s in stops or () if isinstance(s, str) and s and s in reply]
    return reply[: min(found)] if found else reply


def _partial(model: str, content: str, *, thinking: str = "") -> dict[str, Any]:
    message = {"role": "assistant", "content": content}
    if thinking:
        message["thinking"] = thinking
    return {"model": model, "created_at": CREATED_AT, "message": message, "done": False}


def _final(model: str, content: str, prompt_count: int, eval_count: int, *, thinking: str = "") -> dict[str, Any]:
    prompt_ns, eval_ns = prompt_count * 1_000_000, eval_count * 10_000_000
    return {
        **_partial(model, content, thinking=thinking),
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


def show(call: Call) -> Reply:
    """A model's details: ``model_info`` keyed by its architecture, with the context length, and its
    ``capabilities`` (``embedding`` for the ``embed-`` models, else ``completion``)."""
    model = _model(call)
    if _missing(model):
        return call.error(404, message=f"model '{model}' not found")
    details = _tag(0, model)["details"]
    info = {
        "general.architecture": ARCHITECTURE,
        "general.parameter_count": 10**9,
        f"{ARCHITECTURE}.context_length": CONTEXT_LENGTH,
        f"{ARCHITECTURE}.embedding_length": 2048,
    }
    capabilities = ["embedding"] if model.startswith("embed-") else ["completion", "vision", "thinking"]
    return json_reply(
        {
            "modelfile": f"FROM {model}",
            "parameters": "",
            "template": "{{ .Prompt }}",
            "details": {"parent_model": "", "families": ["echo"], **details},
            "model_info": info,
            "capabilities": capabilities,
            "modified_at": CREATED_AT,
        }
    )


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
    Route("POST", "/api/show", WIRE, show),
    Route("POST", "/api/embed", WIRE, embed),
]
