"""What a call sent and what came back, kept for the playground's inspector when a caller asks for it.

Everything is redacted with the call's own redactor (every secret, and any 8-character piece of one, becomes
``[REDACTED]``) before it is kept, and cut to size: a body to ``BODY_MAX_CHARS``, a stream to ``EVENTS_MAX``
lines. With retries, it holds the last attempt.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

BODY_MAX_CHARS = 64_000
EVENTS_MAX = 2_000


@dataclass
class Exchange:
    redact: Callable[[str], str] = field(repr=False, default=lambda text: text)
    method: str = ""
    url: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""  # the request body as JSON text (a multipart upload is described, not kept)
    status: int | None = None
    response: str = ""  # the response body, or the stream's lines one per line
    truncated: bool = False
    _lines: list[str] = field(default_factory=list, repr=False)

    def sent(self, method: str, url: str, headers: Mapping[str, str], body: Any) -> None:
        self.method, self.url = method, self.redact(url)
        self.headers = {name: self.redact(value) for name, value in headers.items()}
        text = json.dumps(body, ensure_ascii=False, indent=2) if body is not None else ""
        self.body = self._cut(self.redact(text))
        self.status, self.response, self._lines = None, "", []

    def answered(self, status: int, text: str = "") -> None:
        self.status = status
        if text:
            self.response = self._cut(self.redact(text))

    def lines(self, lines: Iterator[str]) -> Iterator[str]:
        """The stream's lines, passed on unchanged; the first ``EVENTS_MAX`` are kept."""
        for line in lines:
            self.keep(line)
            yield line

    def keep(self, line: str) -> None:
        """Keep one line of the stream, while fewer than ``EVENTS_MAX`` are kept."""
        if len(self._lines) < EVENTS_MAX:
            self._lines.append(self.redact(line))
            self.response = "\n".join(self._lines)
        else:
            self.truncated = True

    def _cut(self, text: str) -> str:
        if len(text) > BODY_MAX_CHARS:
            self.truncated = True
            return text[:BODY_MAX_CHARS]
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "request": {"method": self.method, "url": self.url, "headers": self.headers, "body": self.body},
            "response": {"status": self.status, "body": self.response},
            "truncated": self.truncated,
        }
