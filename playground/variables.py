"""``{{variable}}`` expressions in system and user messages, resolved from a JSON object with dotted paths.

``{{name}}``, ``{{node.output}}`` and ``{{items.0.title}}`` walk objects by key and lists by index. Strings are
inserted as they are; anything else as compact JSON. The variables JSON is at most ``VARIABLES_MAX_CHARS``
characters and ``JSON_MAX_DEPTH`` levels deep, checked before it is parsed.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.utils.translation import gettext as _

from core.validators import JSON_MAX_DEPTH, json_too_deep

# 64 Ki characters: room for a few pages of documents or a large tool output, well inside the request body limit.
VARIABLES_MAX_CHARS = 65_536
EXPRESSION = re.compile(r"\{\{\s*([^{}\s]+)\s*\}\}")
_MISSING = object()


class VariableError(ValueError):
    """A message that names what is wrong: the JSON position, or the unknown variables.

    ``field`` says which input is at fault: the variables JSON or the message that uses them.
    """

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


def parse_variables(raw: str) -> dict[str, Any]:
    if not raw.strip():
        return {}
    if json_too_deep(raw, max_depth=JSON_MAX_DEPTH):
        raise VariableError(
            _("Variables are nested deeper than %(limit)d levels.") % {"limit": JSON_MAX_DEPTH}, field="variables"
        )
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise VariableError(
            _("Variables are not valid JSON: %(reason)s (line %(line)d, column %(column)d).")
            % {"reason": exc.msg, "line": exc.lineno, "column": exc.colno},
            field="variables",
        ) from None
    except ValueError:  # an integer longer than Python converts (sys.get_int_max_str_digits)
        raise VariableError(_("Variables contain a number with too many digits."), field="variables") from None
    if not isinstance(value, dict):
        raise VariableError(_('Variables must be a JSON object, for example {"name": "IOLinker"}.'), field="variables")
    return value


def lookup(variables: dict[str, Any], path: str) -> Any:
    node: Any = variables
    for step in path.split("."):
        if isinstance(node, dict) and step in node:
            node = node[step]
        elif isinstance(node, list) and (index := _list_index(step, len(node))) is not None:
            node = node[index]
        else:
            return _MISSING
    return node


def _list_index(step: str, size: int) -> int | None:
    """``0``, ``2`` or ``-1`` within a list of ``size``; anything else (``--1``, ``²``, 5,000 digits) is no index."""
    digits = step.removeprefix("-")
    if not (digits.isascii() and digits.isdigit()) or len(digits) > len(str(size)):
        return None
    index = int(step)
    return index if -size <= index < size else None


def render(template: str, variables: dict[str, Any], *, max_length: int | None = None, field: str = "message") -> str:
    """Replace every expression; raises ``VariableError`` naming all unknown variables at once.

    Also refused: a result longer than ``max_length`` (found while it is built, so a short message that repeats
    a large variable never takes the memory), and a variable that puts a null character into the message.
    ``field`` is the input the template came from ("message" or "system"): the errors are put on it.
    """
    unknown = [path for path in EXPRESSION.findall(template) if lookup(variables, path) is _MISSING]
    if unknown:
        names = ", ".join(dict.fromkeys("{{" + name + "}}" for name in unknown))
        raise VariableError(
            _("Unknown variable %(names)s: add it to the variables JSON.") % {"names": names}, field=field
        )
    pieces: list[str] = []
    length = start = 0
    for match in EXPRESSION.finditer(template):
        value = lookup(variables, match.group(1))
        pieces += [template[start : match.start()], value if isinstance(value, str) else _compact(value)]
        length += len(pieces[-2]) + len(pieces[-1])
        _check_length(length, max_length, field)
        start = match.end()
    pieces.append(template[start:])
    _check_length(length + len(pieces[-1]), max_length, field)
    rendered = "".join(pieces)
    if "\x00" in rendered:
        if field == "system":
            message = _("Null characters (U+0000) are not allowed in the system message, nor in the variables it uses.")
        else:
            message = _("Null characters (U+0000) are not allowed in the message, nor in the variables it uses.")
        raise VariableError(message, field=field)
    return rendered


def _check_length(length: int, max_length: int | None, field: str) -> None:
    if max_length is None or length <= max_length:
        return
    if field == "system":
        message = _("With the variables filled in, the system message is longer than %(limit)d characters.")
    else:
        message = _("With the variables filled in, the message is longer than %(limit)d characters.")
    raise VariableError(message % {"limit": max_length}, field=field)


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
