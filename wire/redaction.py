"""Keep secrets out of our text: redact every secret a call knows, and any fragment of one, before text is cut.

A provider may echo a key back in an error message, a header or a stream frame, whole or in part, raw,
URL-encoded, JSON-escaped or inside base64 (a ``Basic`` header). ``Redactor`` replaces every run of
``FRAGMENT`` or more characters of any of those forms, so a message cut after the key's first 19 characters
still loses them. Redact first, then truncate (``clean``): truncation must never decide what survives.

Every ``Redactor`` alive is also known to the logging hook (``install_log_sanitizer``), which redacts every log
record (ours, httpx's, httpcore's) and escapes control characters, so one record is one line.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
import weakref
from collections import Counter, deque
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote, quote_plus

REDACTED = "[REDACTED]"
FRAGMENT = 8  # a run this long of a secret is redacted; shorter secrets are redacted only whole
SHORTEST_SECRET = 4
MAX_DETAIL = 300


def _base64_forms(secret: bytes) -> set[str]:
    """The characters of ``secret``'s base64 that do not depend on what stands before or after it."""
    forms = set()
    for offset in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            encoded = encode(b"\0" * offset + secret).decode().rstrip("=")
            # Skip the groups that mix in neighbouring bytes: the first when offset, and the last partial one.
            start = 4 if offset else 0
            forms.add(encoded[start : len(encoded) - len(encoded) % 4])
    return forms


def secret_forms(secret: str) -> set[str]:
    """The ways ``secret`` may be written into a provider's answer."""
    raw = secret.encode()
    forms = {secret, quote(secret, safe=""), quote_plus(secret, safe=""), json.dumps(secret)[1:-1]}
    forms |= _base64_forms(raw)
    return {form for form in forms if len(form) >= SHORTEST_SECRET}


def _redact(text: str, fragments: frozenset[str] | set[str], whole: Iterable[str]) -> str:
    """Replace each maximal run of ``text`` made of known fragments, then each short secret found whole."""
    if fragments and len(text) >= FRAGMENT:
        spans: list[list[int]] = []
        for i in range(len(text) - FRAGMENT + 1):
            if text[i : i + FRAGMENT] in fragments:
                if spans and i <= spans[-1][1]:
                    spans[-1][1] = i + FRAGMENT
                else:
                    spans.append([i, i + FRAGMENT])
        if spans:
            parts, last = [], 0
            for start, stop in spans:
                parts += [text[last:start], REDACTED]
                last = stop
            parts.append(text[last:])
            text = "".join(parts)
    for value in whole:
        text = text.replace(value, REDACTED)
    return text


class _LiveSecrets:
    """The fragments of every ``Redactor`` still alive in this process, counted, for the logging hook.

    A collected ``Redactor`` only queues its removal (a garbage collection may run while the lock is held, in
    this very thread); the queue is applied under the lock by the next change or read.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.fragments: Counter[str] = Counter()
        self.whole: Counter[str] = Counter()
        self.retired: deque[tuple[frozenset[str], tuple[str, ...]]] = deque()
        self.snapshot: tuple[frozenset[str], tuple[str, ...]] = (frozenset(), ())

    def add(self, fragments: frozenset[str], whole: tuple[str, ...]) -> None:
        with self.lock:
            self._apply(fragments, whole, +1)
            self._refresh()

    def retire(self, fragments: frozenset[str], whole: tuple[str, ...]) -> None:
        self.retired.append((fragments, whole))  # atomic; takes no lock

    def current(self) -> tuple[frozenset[str], tuple[str, ...]]:
        if self.retired:
            with self.lock:
                self._refresh()
        return self.snapshot

    def _apply(self, fragments: frozenset[str], whole: tuple[str, ...], sign: int) -> None:
        for counter, items in ((self.fragments, fragments), (self.whole, whole)):
            counter.update(dict.fromkeys(items, sign))
            for item in [i for i in items if counter[i] <= 0]:
                del counter[item]

    def _refresh(self) -> None:
        while self.retired:
            self._apply(*self.retired.popleft(), -1)
        self.snapshot = (frozenset(self.fragments), tuple(sorted(self.whole, key=len, reverse=True)))


_LIVE = _LiveSecrets()


class Redactor:
    """Replaces the secrets of one call, and any ``FRAGMENT``-character run of them, with ``[REDACTED]``.

    While it is alive, the logging hook redacts the same secrets from every log record.
    """

    def __init__(self, secrets: Iterable[str]) -> None:
        values = {s for s in secrets if s and len(s) >= SHORTEST_SECRET}
        forms: set[str] = set().union(*(secret_forms(s) for s in values)) if values else set()
        self.whole = tuple(sorted((f for f in forms if len(f) < FRAGMENT), key=len, reverse=True))
        self.fragments = frozenset(
            form[i : i + FRAGMENT] for form in forms if len(form) >= FRAGMENT for i in range(len(form) - FRAGMENT + 1)
        )
        if self:
            _LIVE.add(self.fragments, self.whole)
            weakref.finalize(self, _LIVE.retire, self.fragments, self.whole)

    def __bool__(self) -> bool:
        return bool(self.whole or self.fragments)

    def __call__(self, text: str) -> str:
        return _redact(text, self.fragments, self.whole) if text and self else text


def redactor(secrets: Iterable[str]) -> Redactor:
    return Redactor(secrets)


def truncate(text: str, limit: int = MAX_DETAIL) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def clean(text: str, redact: Callable[[str], str] | None = None, *, limit: int = MAX_DETAIL) -> str:
    """Provider text made ours: redacted of the call's secrets first, then cut to ``limit``.

    A NUL becomes U+FFFD: PostgreSQL cannot store it, and one such row would fail a whole call-log batch.
    """
    return storable(truncate(redact(text) if redact is not None else text, limit))


def storable(text: str) -> str:
    """Text as every database keeps it: PostgreSQL refuses NUL, so it becomes U+FFFD."""
    return text.replace("\x00", "\ufffd")


def redact_live(text: str) -> str:
    """Redact the secrets of every call in progress in this process (for text with no call at hand: logs)."""
    fragments, whole = _LIVE.current()
    return _redact(text, fragments, whole) if text and (fragments or whole) else text


# --- Logs -------------------------------------------------------------------------------------------------------
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")


def escape_control(text: str) -> str:
    """Control characters as escapes (``\\n``, ``\\x1b``, ``\\u202e``): a logged value cannot forge a line."""

    def escape(match: re.Match[str]) -> str:
        return match.group().encode("unicode_escape").decode("ascii")

    return _CONTROL.sub(escape, text)


# Loggers whose formatters read the record's arguments themselves (uvicorn's access log unpacks the client, the
# method, the path, the version and the status): their arguments are cleaned one by one and kept.
ARGUMENT_READERS = ("uvicorn.access",)


def _clean(value: Any) -> Any:
    return escape_control(redact_live(value)) if isinstance(value, str) else value


def sanitize_record(record: logging.LogRecord) -> logging.LogRecord:
    """Fold the arguments into the message, redact it and escape control characters; redact the traceback."""
    if record.name in ARGUMENT_READERS and isinstance(record.args, tuple):
        record.msg, record.args = _clean(str(record.msg)), tuple(_clean(arg) for arg in record.args)
        return record
    try:
        message = record.getMessage()
    except Exception:  # a malformed format string: keep what there is, readable
        message = f"{record.msg!r} % {record.args!r}"
    record.msg, record.args = escape_control(redact_live(message)), None
    if record.exc_info and not record.exc_text:
        record.exc_text = redact_live(logging.Formatter().formatException(record.exc_info))
    if record.stack_info:
        record.stack_info = redact_live(record.stack_info)
    return record


class SanitizingFilter(logging.Filter):
    """The same cleaning as a handler filter, for handlers set up outside this process's record factory."""

    def filter(self, record: logging.LogRecord) -> bool:
        sanitize_record(record)
        return True


_installed = False


def install_log_sanitizer() -> None:
    """Make every log record in this process a sanitized one, whichever logger or handler it meets."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return sanitize_record(previous(*args, **kwargs))

    logging.setLogRecordFactory(factory)
    _installed = True
