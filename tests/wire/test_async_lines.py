"""The asynchronous transport splits a streamed body into lines as httpx does (the synchronous transport's
``iter_lines``), however the body is cut into chunks and however long a line is."""

from __future__ import annotations

import asyncio

from httpx._decoders import LineDecoder
from hypothesis import given
from hypothesis import strategies as st

from wire.async_transport import _lines


class _Content:
    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks

    async def iter_any(self):
        for chunk in self.chunks:
            yield chunk


class _Response:
    def __init__(self, chunks: list[bytes]) -> None:
        self.content = _Content(chunks)


def split(chunks: list[bytes]) -> list[str]:
    async def read() -> list[str]:
        return [line async for line in _lines(_Response(chunks))]  # type: ignore[arg-type]

    return asyncio.run(read())


def httpx_lines(text: str) -> list[str]:
    decoder = LineDecoder()
    return [*decoder.decode(text), *decoder.flush()]


pieces = st.lists(st.sampled_from(["data: a", "é", "中文", "\n", "\r\n", "\r", "", ": keep-alive", "x" * 5]))


@given(pieces, st.lists(st.integers(min_value=1, max_value=7), min_size=1))
def test_lines_match_httpx_however_the_body_is_chunked(parts, cuts):
    raw = "".join(parts).encode()
    chunks, start, index = [], 0, 0
    while start < len(raw):
        size = cuts[index % len(cuts)]
        chunks.append(raw[start : start + size])  # cuts inside a UTF-8 character and between \r and \n too
        start, index = start + size, index + 1
    assert split(chunks) == httpx_lines(raw.decode())


def test_a_line_far_longer_than_aiohttps_buffer_is_one_line():
    long = "data: " + "x" * 300_000
    assert split([long.encode()[i : i + 4096] for i in range(0, len(long), 4096)] + [b"\n\n"]) == [long, ""]
