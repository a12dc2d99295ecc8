"""Typed reading of provider JSON: every read checks its type, and a wrong shape is a BadResponse naming its path.

Adapters wrap a decoded body in a ``Node`` and read fields through it::

    root = Node(body)                               # "the response"
    message = root.obj("choices", 0, "message")     # an object, or BadResponse
    content = message.text("content")               # a string; null or missing -> ""

Missing keys and ``null`` mean "absent": optional reads return their default, required reads fail with
"the response has no choices.0.message". A value of the wrong type always fails, with a message that names the
path and the type only, never the value: "the response's choices.0.message is a string, expected an object".
Fields an adapter does not read are never looked at, so unknown extra fields are harmless.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from core.errors import BadResponse

Key = str | int

_KINDS: tuple[tuple[type, str], ...] = (
    (bool, "true or false"),
    (int, "a number"),
    (float, "a number"),
    (str, "a string"),
    (list, "a list"),
    (dict, "an object"),
)


def kind_of(value: Any) -> str:
    """What a JSON value is, in plain English ("a string", "an object" ...)."""
    if value is None:
        return "null"
    return next((name for cls, name in _KINDS if isinstance(value, cls)), "an unknown value")


def parse_json(data: str, source: str) -> Node:
    """Decode one stream event; text that is not JSON (or nests too deeply to decode) is a BadResponse."""
    try:
        return Node(json.loads(data), source)
    except (ValueError, RecursionError):
        raise BadResponse(f"{source} is not JSON") from None


@dataclass(frozen=True, slots=True)
class Node:
    """A JSON value from a provider, with where it sits (``source`` and ``path``) for error messages."""

    value: Any
    source: str = "the response"
    path: tuple[Key, ...] = ()

    # --- errors -----------------------------------------------------------------------------------------------
    def where(self) -> str:
        """``the response's choices.0.message``: this node's place, for a message."""
        return f"{self.source}'s {'.'.join(map(str, self.path))}" if self.path else self.source

    def wrong(self, expected: str) -> BadResponse:
        return BadResponse(f"{self.where()} is {kind_of(self.value)}, expected {expected}")

    def missing(self) -> BadResponse:
        if not self.path:
            return BadResponse(f"{self.source} is empty")
        return BadResponse(f"{self.source} has no {'.'.join(map(str, self.path))}")

    # --- walking ----------------------------------------------------------------------------------------------
    def get(self, *path: Key) -> Node:
        """The node at ``path``; absent (value None) when a step is missing. Walking into a scalar fails."""
        node = self
        for step in path:
            node = node._child(step)
        return node

    def _child(self, step: Key) -> Node:
        if self.value is None:
            return Node(None, self.source, (*self.path, step))
        if isinstance(step, str):
            value = self._as(dict, "an object").get(step)
        else:
            items = self._as(list, "a list")
            value = items[step] if 0 <= step < len(items) else None
        return Node(value, self.source, (*self.path, step))

    def _as(self, cls: type, expected: str) -> Any:
        if not isinstance(self.value, cls):
            raise self.wrong(expected)
        return self.value

    def _required(self, path: tuple[Key, ...]) -> Node:
        node = self.get(*path)
        if node.value is None:
            raise node.missing()
        return node

    # --- containers -------------------------------------------------------------------------------------------
    def obj(self, *path: Key) -> Node:
        """The object at ``path``; missing is an error."""
        node = self._required(path)
        node._as(dict, "an object")
        return node

    def opt_obj(self, *path: Key) -> Node | None:
        """The object at ``path``, or None when it is missing or null."""
        node = self.get(*path)
        return None if node.value is None else node.obj()

    def arr(self, *path: Key) -> list[Node]:
        """The items of the list at ``path``; missing is an error."""
        node = self._required(path)
        return [Node(item, node.source, (*node.path, i)) for i, item in enumerate(node._as(list, "a list"))]

    def opt_arr(self, *path: Key) -> list[Node]:
        """The items of the list at ``path``; missing or null is an empty list."""
        return [] if self.get(*path).value is None else self.arr(*path)

    # --- scalars ----------------------------------------------------------------------------------------------
    def text(self, *path: Key, default: str = "") -> str:
        """The string at ``path``, or ``default`` when it is missing or null. Numbers and objects are not text."""
        value = self.opt_text(*path)
        return default if value is None else value

    def opt_text(self, *path: Key) -> str | None:
        """The string at ``path``, or None when it is missing or null (``finish_reason`` and the like)."""
        node = self.get(*path)
        return None if node.value is None else str(node._as(str, "a string"))

    def required_text(self, *path: Key) -> str:
        """The string at ``path``; missing is an error (ids, names)."""
        return str(self._required(path)._as(str, "a string"))

    def flag(self, *path: Key) -> bool:
        """The boolean at ``path``; missing or null is False."""
        node = self.get(*path)
        return False if node.value is None else bool(node._as(bool, "true or false"))

    def opt_int(self, *path: Key) -> int | None:
        """The whole number at ``path`` (12 and 12.0 alike), or None when it is missing or null."""
        node = self.get(*path)
        return None if node.value is None else node._whole()

    def integer(self, *path: Key) -> int:
        """The whole number at ``path``; missing is an error."""
        return self._required(path)._whole()

    def number(self, *path: Key) -> float:
        """The finite number at ``path``; missing, NaN and infinities are errors."""
        return self._required(path)._finite()

    def floats(self, *path: Key) -> list[float]:
        """A vector: the list at ``path``, every item a finite number."""
        node = self._required(path)
        items = node._as(list, "a list")
        return [
            item if type(item) is float and math.isfinite(item) else Node(item, node.source, (*node.path, i))._finite()
            for i, item in enumerate(items)
        ]

    def _whole(self) -> int:
        value = self.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.wrong("a whole number")
        if isinstance(value, float) and not value.is_integer():
            raise BadResponse(f"{self.where()} is not a whole number")
        return int(value)

    def _finite(self) -> float:
        value = self.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.wrong("a number")
        try:
            result = float(value)
        except OverflowError:  # an integer too large for a float
            result = math.inf
        if not math.isfinite(result):
            raise BadResponse(f"{self.where()} is not a finite number")
        return result
