"""Stream framing: server-sent events and NDJSON, read line by line from the response."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from wire.types import StreamEvent


def sse_events(lines: Iterable[str]) -> Iterator[StreamEvent]:
    """Parse SSE as the OpenAI SDK does: a blank line ends an event, data lines joined; a comment (a keep-alive)
    is passed on as a ``comment`` event of its own, so that a reader learns the stream is alive."""
    event, data = "", list[str]()
    for line in lines:
        if not line:
            if data:
                yield StreamEvent(data="\n".join(data), event=event)
            event, data = "", list[str]()
            continue
        if line.startswith(":"):
            yield StreamEvent(data="", comment=True)
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            data.append(value)
        elif name == "event":
            event = value
    if data:
        yield StreamEvent(data="\n".join(data), event=event)


def ndjson_events(lines: Iterable[str]) -> Iterator[StreamEvent]:
    """One event a line. No JSON text starts with a colon: a line that does is a comment, as in SSE (no server
    sends one; ``wire.async_transport.LineFeed`` does while it waits for the next line)."""
    for line in lines:
        if line.startswith(":"):
            yield StreamEvent(data="", comment=True)
        elif line.strip():
            yield StreamEvent(data=line)
