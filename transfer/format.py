"""The configuration file's shape: its records and their JSON types, reading and writing it, and its messages."""

from __future__ import annotations

import json
import math
import re
from datetime import date
from decimal import Decimal
from types import NoneType, UnionType
from typing import Any, Literal, NotRequired, TypedDict, cast, get_args, get_origin, get_type_hints

from django.core.exceptions import ValidationError

from core.errors import ModelDeskError
from providers.models import MaxTokensParam

FORMAT = "modeldesk-config"
VERSION = 1
_MAX_PROBLEMS_SHOWN = 10

RecordKind = Literal["providers", "models", "credentials", "defaults"]
KINDS: tuple[RecordKind, ...] = ("providers", "models", "credentials", "defaults")


class ConfigFileError(ModelDeskError):
    """The file cannot be imported as it stands. Nothing was written; the message says what is wrong."""

    @classmethod
    def from_problems(cls, problems: list[str]) -> ConfigFileError:
        """One line naming the first problems found, and how many more there are."""
        shown = "; ".join(problems[:_MAX_PROBLEMS_SHOWN])
        if len(problems) > _MAX_PROBLEMS_SHOWN:
            shown += f"; and {len(problems) - _MAX_PROBLEMS_SHOWN} more"
        return cls(" ".join(f"The file cannot be imported: {shown}.".split()))


# Every field of a record is required but those marked ``NotRequired``. The annotations are also the runtime
# check: see ``RECORDS`` and ``REQUIRED``.


class ProviderRecord(TypedDict):
    """What an admin owns of a catalog provider."""

    slug: str
    enabled: bool
    base_url: str  # the override; blank for the catalog's default


class ModelRecord(TypedDict):
    """One model, keyed by provider, name, type and owning credential.

    Of a predefined model only what an admin owns is applied: ``enabled`` and the price override. The fields
    marked ``NotRequired`` came after the first files of version 1, which lack them; export always writes them.
    A field a file leaves out is left as it is on an existing model, and takes the column's default on a new one.
    """

    provider: str
    name: str
    model_type: str
    credential: NotRequired[str | None]  # the name of the credential whose server alone serves it; null: every one
    display_name: str
    context_window: int | None
    max_output_tokens: int | None
    supports_vision: bool
    supports_tool_call: bool
    supports_json_mode: bool
    supports_streaming: bool
    temperature_min: float | None
    temperature_max: float | None
    temperature_default: float | None
    top_p_min: float | None
    top_p_max: float | None
    top_p_default: float | None
    max_tokens_min: int | None
    max_tokens_max: int | None
    max_tokens_default: int | None
    accepts_temperature: NotRequired[bool]
    accepts_top_p: NotRequired[bool]
    temperature_or_top_p: NotRequired[bool]
    max_tokens_param: NotRequired[str]  # "", "max_tokens" or "max_completion_tokens"
    supports_reasoning: NotRequired[bool]
    input_price: NotRequired[str | None]  # per 1M tokens, a decimal string such as "0.15"; null: the catalog's
    output_price: NotRequired[str | None]
    cached_input_price: NotRequired[str | None]
    price_currency: NotRequired[str]  # blank (USD with a price) or an ISO code such as "CNY"
    retires_on: NotRequired[str | None]  # YYYY-MM-DD
    enabled: bool
    origin: str


class CredentialRecord(TypedDict):
    """A credential by name; ``config`` holds its non-secret fields, its secrets travel sealed apart."""

    name: str
    provider: str
    enabled: bool
    config: dict[str, Any]


class DefaultRecord(TypedDict):
    """The default model of one type and the credential that pays for it.

    The model is the one of that provider, name and type that the credential owns, or else the provider-wide one.
    """

    model_type: str
    provider: str
    model: str
    credential: str


class SealedSecrets(TypedDict):
    """``{credential: {field: plaintext}}`` as JSON, sealed by ``transfer.crypto``; binary parts in base64."""

    kdf: str
    n: int
    r: int
    p: int
    salt: str
    nonce: str
    ciphertext: str


class Document(TypedDict):
    """A whole file, as ``export_config`` writes it and ``import_config`` reads it."""

    format: str
    version: int
    exported_at: NotRequired[str]
    providers: list[ProviderRecord]
    models: list[ModelRecord]
    credentials: list[CredentialRecord]
    defaults: list[DefaultRecord]
    secrets: NotRequired[SealedSecrets | None]


_JSON_TYPES: dict[Any, tuple[type, ...]] = {
    **{t: (t,) for t in (str, bool, int, dict, NoneType)},
    float: (int, float),  # JSON does not tell 1 from 1.0
}


def _json_types(annotation: Any) -> tuple[type, ...]:
    """The Python types of the JSON values that a field annotated ``annotation`` accepts."""
    if get_origin(annotation) is NotRequired:
        (annotation,) = get_args(annotation)
    parts = get_args(annotation) if isinstance(annotation, UnionType) else (annotation,)
    return tuple(t for part in parts for t in _JSON_TYPES[get_origin(part) or part])


_RECORD_TYPES: dict[RecordKind, type] = {
    "providers": ProviderRecord,
    "models": ModelRecord,
    "credentials": CredentialRecord,
    "defaults": DefaultRecord,
}
# ``include_extras`` keeps ``NotRequired``, which tells the required fields apart: ``__required_keys__`` cannot,
# as Python 3.11 counts every field as required when annotations are strings (``from __future__ import annotations``).
_HINTS = {kind: get_type_hints(record, include_extras=True) for kind, record in _RECORD_TYPES.items()}
# The fields of each kind of record, in file order, and the JSON types each accepts.
RECORDS: dict[str, dict[str, tuple[type, ...]]] = {
    kind: {name: _json_types(annotation) for name, annotation in hints.items()} for kind, hints in _HINTS.items()
}
# The fields a record must have; export writes the others too.
REQUIRED: dict[str, frozenset[str]] = {
    kind: frozenset(name for name, annotation in hints.items() if get_origin(annotation) is not NotRequired)
    for kind, hints in _HINTS.items()
}
MODEL_KEY = ("provider", "name", "model_type", "credential")
MODEL_DATA = tuple(name for name in RECORDS["models"] if name not in MODEL_KEY)  # the fields a model row sets
ModelKey = tuple[str, str, str, str | None]


def model_key(row: ModelRecord) -> ModelKey:
    return row["provider"], row["name"], row["model_type"], row.get("credential")


def model_label(key: ModelKey) -> str:
    """``'provider/name/type'`` for messages, and the owning credential if there is one."""
    provider, name, model_type, credential = key
    label = quote(f"{provider}/{name}/{model_type}")
    return f"{label} of credential {quote(credential)}" if credential is not None else label


def document_render(document: Document) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False)


def document_parse(text: str, *, source: str) -> Any:
    """The JSON in ``text``, not checked yet. Raises ``ConfigFileError`` naming ``source``."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:  # its message names a position, never the content
        raise ConfigFileError(
            f"{source} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}."
        ) from None


def document_check(data: Any) -> Document:
    """``data`` itself, once it is a document of this version whose records have their fields, each of its type.

    Raises ``ConfigFileError`` naming the problems found, on one line. Nothing is checked against the database.
    """
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ConfigFileError(f'This is not a ModelDesk configuration file: "format" is not "{FORMAT}".')
    if type(data.get("version")) is not int or data["version"] != VERSION:  # not True, which equals 1 in Python
        raise ConfigFileError(
            f"Unsupported version {quote(data.get('version'))}: this ModelDesk reads version {VERSION}."
        )
    problems = _header_problems(data)
    for kind in RECORDS:
        problems += _records_problems(kind, data.get(kind))
    if problems:
        raise ConfigFileError.from_problems(problems)
    return cast(Document, data)


def _header_problems(data: dict[str, Any]) -> list[str]:
    known = {"format", "version", "exported_at", "secrets", *RECORDS}
    problems = [f"unknown key {quote(key)}" for key in data if key not in known]
    if not isinstance(data.get("exported_at", ""), str):
        problems.append("'exported_at' must be a string")
    if not isinstance(data.get("secrets"), dict | None):
        problems.append("'secrets' must be null or an object")
    return problems


def _records_problems(kind: str, rows: Any) -> list[str]:
    if not isinstance(rows, list):
        return [f"'{kind}' must be a list"]
    problems = (_record_problem(kind, row) for row in rows)
    return [f"{kind}[{index}]{problem}" for index, problem in enumerate(problems) if problem]


def _record_problem(kind: str, row: Any) -> str:
    """What is wrong with one record, as the end of a message; empty when nothing is."""
    spec, required = RECORDS[kind], REQUIRED[kind]
    if not isinstance(row, dict):
        return " must be an object"
    if missing := [name for name in spec if name in required and name not in row]:
        return f": missing {', '.join(missing)}"
    if unknown := [quote(name) for name in row if name not in spec]:
        return f": unknown field(s) {', '.join(unknown)}"
    if wrong := [name for name, types in spec.items() if name in row and not _is(row[name], types)]:
        return f": wrong type for {', '.join(wrong)}"
    return ""


def _is(value: Any, types: tuple[type, ...]) -> bool:
    """Whether a JSON value is of these types: a boolean is not a number, and a number is finite."""
    if isinstance(value, float) and not math.isfinite(value):  # Python's json reads NaN, Infinity and 1e999
        return False
    return isinstance(value, types) and (bool in types or not isinstance(value, bool))


def quote(value: Any) -> str:
    """A value from the file, quoted and cut short for a message."""
    return repr(value[:60] + "…" if isinstance(value, str) and len(value) > 60 else value)


def validation_reason(exc: ValidationError) -> str:
    """A ``ValidationError`` on one line: ``field: message; field: message``."""
    if hasattr(exc, "error_dict"):
        return "; ".join(
            " ".join(messages) if name == "__all__" else f"{name}: {' '.join(messages)}"
            for name, messages in exc.message_dict.items()
        )
    return " ".join(exc.messages)


# The values of a model record that JSON has no type for, both ways.
_PRICE = re.compile(r"[0-9]{1,6}(\.[0-9]{1,6})?")  # as the columns hold it: 12 digits, 6 of them after the point
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CURRENCY = re.compile(r"[A-Z]{3}")


def _price(value: str | None) -> Decimal | None:
    if value is not None and not _PRICE.fullmatch(value):
        raise ValueError(
            f"{quote(value)} is not a price: a decimal string of at most 6 digits before the point and 6 after, "
            "such as '0.15', or null"
        )
    return None if value is None else Decimal(value)


def _date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        if _DATE.fullmatch(value):  # fromisoformat alone also reads "20270131" and "2027-W05"
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise ValueError(f"{quote(value)} is not a date as YYYY-MM-DD, nor null")


def _currency(value: str) -> str:
    if value and not _CURRENCY.fullmatch(value):
        raise ValueError(f"{quote(value)} is not a currency: blank or three capital letters, such as 'USD'")
    return value


def _max_tokens_param(value: str) -> str:
    if value not in MaxTokensParam.values:
        raise ValueError(f"{quote(value)} is not one of {', '.join(map(quote, MaxTokensParam.values))}")
    return value


_READERS = {
    "input_price": _price,
    "output_price": _price,
    "cached_input_price": _price,
    "retires_on": _date,
    "price_currency": _currency,
    "max_tokens_param": _max_tokens_param,
}


def model_values(row: ModelRecord) -> dict[str, Any]:
    """The data fields the record carries, as the model's columns hold them: prices as ``Decimal``, a ``date``.

    Raises ``ValidationError`` naming each field whose value is wrong.
    """
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in MODEL_DATA:
        if name not in row:
            continue
        value = cast(dict[str, Any], row)[name]
        try:
            values[name] = _READERS[name](value) if name in _READERS else value
        except ValueError as exc:
            errors[name] = str(exc)
    if errors:
        raise ValidationError(errors)
    return values


def json_value(value: Any) -> Any:
    """A column's value as the file holds it: a price as a decimal string without trailing zeros, a date in ISO."""
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return value.isoformat() if isinstance(value, date) else value
