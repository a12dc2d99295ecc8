"""What the protocol modules build on: the routed ``Call``, the ``Reply`` / ``Stream`` / ``Stall`` plans, the
``Wire`` base class and ``Route``."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import Message
from email.parser import BytesHeaderParser
from functools import cached_property
from http import HTTPStatus
from typing import Any, TypeAlias
from urllib.parse import parse_qsl, urlsplit

from fakeprovider.echo import FLAVORS, STALL_SECONDS, BadRequest

__all__ = ["BadRequest"]

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
    silence: float = 0.0  # seconds without a byte after the chunks, before the coda (a model gone quiet)
    linger: float = 0.0  # seconds after the coda before the body ends (a server slow to close its body)


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
