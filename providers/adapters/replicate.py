"""Replicate's predictions API: ``POST /models/{owner}/{name}/predictions`` with ``Prefer: wait``."""

from __future__ import annotations

from typing import Any

from ..errors import BadResponse, ProviderUnavailable
from .base import CHAT, Adapter, field, optional_int, sampling
from .types import ChatParams, ChatResult, RequestSpec, Usage


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
        status = field(body, "status")
        if status == "failed":
            raise ProviderUnavailable(f"the prediction failed: {body.get('error') or 'no reason given'}")
        if status != "succeeded":
            raise BadResponse(f"the prediction did not finish in time (status {status})")
        output = body.get("output")
        text = "".join(str(part) for part in output) if isinstance(output, list) else str(output or "")
        metrics = body.get("metrics") or {}
        usage = Usage(
            input_tokens=optional_int(metrics.get("input_token_count")),
            output_tokens=optional_int(metrics.get("output_token_count")),
        )
        return ChatResult(content=text, usage=usage, model=str(body.get("model") or ""), finish_reason="stop")
