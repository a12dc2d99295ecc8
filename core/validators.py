"""Checks on input that is sent to providers, shared by every way in (playground pages and API, commands).

Model names end up in database columns, provider URLs and log lines; parameters go to the provider as they are;
JSON is parsed by Python's recursive decoder. Each check here keeps one of those safe, the same way on every
database.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# The length of every ``model`` column (Conversation, Message, ProviderModel.name); provider model ids are far
# shorter (Hugging Face repo ids, the longest in practice, stop at 96 characters).
MODEL_NAME_MAX_LENGTH = 200

# Deeper JSON than any prompt variables need, and far below the depth at which ``json.loads`` (and every
# recursive walk over the result) raises RecursionError.
JSON_MAX_DEPTH = 64

# Bounds for a model the catalog has no rules for, and for each bound its rules leave open: OpenAI's chat API
# takes temperature 0-2 and top_p 0-1 (https://platform.openai.com/docs/api-reference/chat/create), which every
# catalog provider's range lies within; no model generates a million tokens in one reply.
PARAMETER_BOUNDS: dict[str, tuple[float, float]] = {
    "temperature": (0.0, 2.0),
    "top_p": (0.0, 1.0),
    "max_tokens": (1, 1_000_000),
}


def first_invisible_character(value: str) -> str | None:
    """The first control (Cc: NUL, tab, newline) or format (Cf: U+200B, U+202E) character, if any."""
    for character in value:
        if unicodedata.category(character) in {"Cc", "Cf"}:
            return character
    return None


def model_name_problem(value: str) -> str | None:
    """What is wrong with a model name, in words; None when nothing is."""
    try:
        validate_model_name(value)
    except ValidationError as error:
        return " ".join(error.messages)
    return None


def validate_model_name(value: str) -> None:
    """At most ``MODEL_NAME_MAX_LENGTH`` characters, and nothing that could break a log line or hide text.

    The error shows an offending character as ``U+000A``, never the character itself.
    """
    if len(value) > MODEL_NAME_MAX_LENGTH:
        raise ValidationError(
            _("Model names have at most %(limit)d characters (this one has %(length)d)."),
            code="max_length",
            params={"limit": MODEL_NAME_MAX_LENGTH, "length": len(value)},
        )
    character = first_invisible_character(value)
    if character is not None:
        raise ValidationError(
            _("Model names cannot contain control or invisible formatting characters (found %(character)s)."),
            code="invisible_character",
            params={"character": f"U+{ord(character):04X}"},
        )


# A JSON string (its closing quote optional, so that an unterminated one ends the scan in one step) or a bracket.
_JSON_TOKEN = re.compile(r'"(?:[^"\\]+|\\.)*"?|[\[\]{}]', re.DOTALL)


@dataclass(frozen=True)
class JsonTooDeep:
    """Where JSON text nests too deep: ``key`` is the top-level object's member it happens in (None: no member)."""

    key: str | None


def json_too_deep(text: str, *, max_depth: int) -> JsonTooDeep | None:
    """Whether ``text`` nests arrays and objects deeper than ``max_depth``, found without parsing it.

    One linear scan that skips strings; the text need not be valid JSON (the parser reports that afterwards).
    """
    if text.count("[") + text.count("{") <= max_depth:
        return None
    depth, in_object, last_member = 0, False, (0, 0)
    member = last_member
    for token in _JSON_TOKEN.finditer(text):
        first = text[token.start()]
        if first == '"':
            if depth == 1:
                last_member = token.span()
        elif first in "[{":
            depth += 1
            if depth == 1:
                in_object = first == "{"
            elif depth == 2:
                member = last_member
            if depth > max_depth:
                return JsonTooDeep(_json_key(text, member) if in_object else None)
        else:
            depth = max(depth - 1, 0)
    return None


def _json_key(text: str, span: tuple[int, int]) -> str | None:
    try:
        key = json.loads(text[span[0] : span[1]])
    except ValueError:
        return None
    return key if isinstance(key, str) else None


def validate_http_url(value: str) -> None:
    """Accept http(s) URLs with a host, including single-label hosts such as ``http://ollama:11434``."""
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname or any(c.isspace() for c in value):
        raise ValidationError(_("Enter an http:// or https:// URL, for example https://api.example.com/v1."))
    try:
        parts.port  # noqa: B018  (raises on a malformed port)
    except ValueError:
        raise ValidationError(gettext("The port in this URL is not a number between 0 and 65535.")) from None
