"""``{{variable}}`` expressions in user messages, resolved from a JSON object with dotted paths.

``{{name}}``, ``{{node.output}}`` and ``{{items.0.title}}`` walk objects by key and lists by index. Strings are
inserted as they are; anything else as compact JSON.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.utils.translation import gettext as _

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
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise VariableError(
            _("Variables are not valid JSON: %(reason)s (line %(line)d, column %(column)d).")
            % {"reason": exc.msg, "line": exc.lineno, "column": exc.colno},
            field="variables",
        ) from None
    if not isinstance(value, dict):
        raise VariableError(_('Variables must be a JSON object, for example {"name": "IOLinker"}.'), field="variables")
    return value


def lookup(variables: dict[str, Any], path: str) -> Any:
    node: Any = variables
    for step in path.split("."):
        if isinstance(node, dict) and step in node:
            node = node[step]
        elif isinstance(node, list) and step.lstrip("-").isdigit() and -len(node) <= int(step) < len(node):
            node = node[int(step)]
        else:
            return _MISSING
    return node


def render(template: str, variables: dict[str, Any]) -> str:
    """Replace every expression; raises ``VariableError`` naming all unknown variables at once."""
    unknown = [path for path in EXPRESSION.findall(template) if lookup(variables, path) is _MISSING]
    if unknown:
        names = ", ".join(dict.fromkeys("{{" + name + "}}" for name in unknown))
        raise VariableError(
            _("Unknown variable %(names)s: add it to the variables JSON.") % {"names": names}, field="message"
        )

    def replace(match: re.Match[str]) -> str:
        value = lookup(variables, match.group(1))
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

    return EXPRESSION.sub(replace, template)
