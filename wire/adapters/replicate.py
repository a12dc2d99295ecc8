"""Replicate's predictions API (https://replicate.com/docs/reference/http), asked to wait with ``Prefer: wait``.

An official model, ``owner/name``, runs at ``POST /models/{owner}/{name}/predictions``. A community model's version,
``owner/name:version`` (or a bare 64-character version id), runs at ``POST /predictions`` with the version id in the
body. A prediction still ``starting`` or ``processing`` when the wait ends is read again (``poll_request``) until it
is final; only URLs on the base URL's origin are followed, so the token never travels to another host.
"""

from __future__ import annotations

import re
from typing import Any

from core.errors import BadResponse, InvalidInput, ProviderUnavailable
from wire import http
from wire.adapters.base import CHAT, Adapter, refuse_tools, sampling
from wire.adapters.errors import error_fields
from wire.adapters.reading import Node
from wire.types import ChatParams, ChatResult, RequestSpec, Usage

PENDING = frozenset({"starting", "processing"})
STOPPED = frozenset({"canceled", "aborted"})
# Replicate's names are letters, digits, dashes, underscores and periods; a leading letter or digit keeps ``..`` out.
_NAME = r"[A-Za-z0-9][A-Za-z0-9_.-]*"
MODEL_REF = re.compile(rf"(?P<owner>{_NAME})/(?P<name>{_NAME})(?::(?P<version>{_NAME}))?")
VERSION_ID = re.compile(r"[0-9a-f]{64}")
PREDICTION_ID = re.compile(r"[A-Za-z0-9_-]+")


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


def prediction_route(model: str) -> tuple[str, dict[str, str]]:
    """The path that creates a prediction of ``model`` and the body fields that name it.

    The Python client sends a community model's bare version id as ``version``; the HTTP API also accepts
    ``owner/name:version`` there, but the bare id is what every version of the API has taken.
    """
    if VERSION_ID.fullmatch(model):
        return "predictions", {"version": model}
    found = MODEL_REF.fullmatch(model)
    if found is None:
        raise InvalidInput(
            f"{model!r} is not a Replicate model name. Use owner/name for an official model, or "
            "owner/name:version for a community model's version."
        )
    if found["version"]:
        return "predictions", {"version": found["version"]}
    return f"models/{found['owner']}/{found['name']}/predictions", {}


def _prompt(params: ChatParams) -> dict[str, Any]:
    """The ``input`` of a language model: the conversation as one prompt, the system messages apart."""
    if any(m.has_images for m in params.messages):
        raise InvalidInput(
            "Replicate's language models take a text prompt; each vision model names its own image input, "
            "so ModelDesk cannot send images to Replicate. Remove the images, or use a provider with vision chat."
        )
    system = "\n\n".join(m.text for m in params.messages if m.role == "system")
    turns = [m for m in params.messages if m.role != "system"]
    prompt = turns[-1].text if len(turns) == 1 else "\n".join(f"{m.role}: {m.text}" for m in turns)
    payload: dict[str, Any] = {"prompt": prompt}
    if system:
        payload["system_prompt"] = system
    payload.update(sampling(params, max_tokens="max_new_tokens"))
    return payload


class ReplicateAdapter(Adapter):
    """Language models on Replicate take a prompt and return their output as a list of text pieces."""

    operations = frozenset({CHAT})
    streams = False

    def auth_headers(self) -> dict[str, str]:
        """The token alone: reads, cancels and the account need no ``Prefer: wait``."""
        return super().headers()

    def headers(self) -> dict[str, str]:
        return {**self.auth_headers(), "Prefer": "wait"}

    def chat_request(self, params: ChatParams, *, stream: bool) -> RequestSpec:
        refuse_tools(params, "Replicate")
        path, named = prediction_route(params.model)
        return RequestSpec("POST", self.url(path), headers=self.headers(), json={**named, "input": _prompt(params)})

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

    # --- checks and long-running predictions ------------------------------------------------------------------
    def probe_request(self) -> RequestSpec:
        """``GET /account``: the account the token belongs to, without running (or paying for) a model."""
        return RequestSpec("GET", self.url("account"), headers=self.auth_headers())

    def probe_response(self, body: Any) -> str:
        """The account's username, from the ``probe_request`` answer."""
        return Node(body).required_text("username")

    def poll_request(self, body: Any) -> RequestSpec | None:
        """``GET`` the prediction (its ``urls.get``) while it is ``starting`` or ``processing``."""
        root = Node(body)
        if root.required_text("status") not in PENDING:
            return None
        return RequestSpec("GET", self._prediction_url(root, "get", ""), headers=self.auth_headers())

    def cancel_request(self, body: Any) -> RequestSpec | None:
        """``POST`` to the prediction's ``urls.cancel`` while it runs, so an abandoned prediction stops costing."""
        root = Node(body)
        if root.required_text("status") not in PENDING:
            return None
        return RequestSpec("POST", self._prediction_url(root, "cancel", "/cancel"), headers=self.auth_headers())

    def _prediction_url(self, root: Node, name: str, suffix: str) -> str:
        """The prediction's ``urls.<name>`` when it is on the base URL's origin, else the same path under the base
        URL (a proxy in front of Replicate, or a URL pointing elsewhere: the token is sent to the base URL only)."""
        given = root.get("urls").opt_text(name)
        if given and http.same_origin(given, self.target.base_url):
            return given
        prediction = root.opt_text("id") or ""
        if not PREDICTION_ID.fullmatch(prediction):
            raise BadResponse(f"the running prediction has no usable urls.{name} or id to read it by")
        return self.url(f"predictions/{prediction}{suffix}")
