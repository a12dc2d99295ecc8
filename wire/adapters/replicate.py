"""Replicate's predictions API: ``POST /models/{owner}/{name}/predictions`` with ``Prefer: wait``."""

from __future__ import annotations

from typing import Any

from core.errors import BadResponse, ProviderUnavailable
from wire.adapters.base import CHAT, Adapter, sampling
from wire.adapters.errors import error_fields
from wire.adapters.reading import Node
from wire.types import ChatParams, ChatResult, RequestSpec, Usage

PENDING = frozenset({"starting", "processing"})
STOPPED = frozenset({"canceled", "aborted"})


def _failure(root: Node) -> str:
    """Replicate's ``error`` is a string; an object is read as an error body, anything else says nothing."""
    if not isinstance(root.get("error").value, str | dict):
        return "no reason given"
    message, _code = error_fields(root.value)
    return message or "no reason given"


def _unfinished(status: Node) -> str:
    """Why a prediction that did not succeed has no output; unknown statuses are not echoed back."""
    if status.value in PENDING:
        return f"the prediction did not finish in time (status {status.value})"
    if status.value in STOPPED:
        return f"the prediction was {status.value}"
    return f"{status.where()} is not a known prediction status"


def _output_text(root: Node) -> str:
    """The output: a list of text pieces to join (language models), or one string."""
    output = root.get("output")
    if isinstance(output.value, list):
        return "".join(piece.text() for piece in output.arr())
    return output.text()


class ReplicateAdapter(Adapter):
    """Language models on Replicate take a prompt and return their output as a list of text pieces."""

    operations = frozenset({CHAT})
    streams = False

    def headers(self) -> dict[str, str]:
        return {**super().headers(), "Prefer": "wait"}

    def chat_request(self, params: ChatParams, *, stream: bool) -> RequestSpec:
        system = "\n\n".join(m.content for m in params.messages if m.role == "system")
        turns = [m for m in params.messages if m.role != "system"]
        prompt = turns[-1].content if len(turns) == 1 else "\n".join(f"{m.role}: {m.content}" for m in turns)
        payload: dict[str, Any] = {"prompt": prompt}
        if system:
            payload["system_prompt"] = system
        payload.update(sampling(params, max_tokens="max_new_tokens"))
        owner_name = params.model.split(":", 1)[0]
        return RequestSpec(
            "POST", self.url(f"models/{owner_name}/predictions"), headers=self.headers(), json={"input": payload}
        )

    def chat_response(self, body: Any) -> ChatResult:
        root = Node(body)
        status = root.required_text("status")
        if status == "failed":
            raise ProviderUnavailable(f"the prediction failed: {_failure(root)}")
        if status != "succeeded":
            raise BadResponse(_unfinished(root.get("status")))
        metrics = root.get("metrics")
        usage = Usage(
            input_tokens=metrics.opt_int("input_token_count"), output_tokens=metrics.opt_int("output_token_count")
        )
        return ChatResult(content=_output_text(root), usage=usage, model=root.text("model"), finish_reason="stop")
