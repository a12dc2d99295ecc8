"""Validation of credential values against a provider's credential schema.

Shared by the admin form and ``create_credential`` so that both accept and reject exactly the same input.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.errors import ConfigurationError
from core.validators import validate_http_url
from providers.catalog.types import CredentialField, FieldKind

__all__ = ["CredentialField", "clean_values", "validate_http_url"]


def is_placeholder_default(field: CredentialField) -> bool:
    """An optional URL's default is shown as a hint and resolved at call time, never stored.

    Storing it would freeze today's provider URL into the credential and hide a later admin override.
    """
    return field.kind == FieldKind.URL and not field.required


MASK_CHARACTER = "•"  # the admin shows stored secrets as ••••abcd; see credentials.selectors.mask_secret


def clean_value(field: CredentialField, value: str) -> str:
    """Validate one non-empty value; returns it stripped."""
    value = value.strip()
    if field.secret and MASK_CHARACTER in value:
        raise ValidationError(
            _(
                "This looks like the masked value shown by ModelDesk, not the secret itself. "
                "Paste the real key, or leave the field blank to keep the stored one."
            )
        )
    line_breaks = "\n" if field.kind == FieldKind.LINES else ""
    value = value.replace("\r\n", "\n") if line_breaks else value
    if any((ord(c) < 32 or ord(c) == 127) and c not in line_breaks for c in value):
        raise ValidationError(_("Remove the control characters (such as line breaks) from this value."))
    if field.parse is not None:
        try:
            field.parse(value)
        except ConfigurationError as error:
            raise ValidationError(str(error)) from None
    if field.kind == FieldKind.URL:
        validate_http_url(value)
    if field.kind == FieldKind.SELECT:
        allowed = [choice for choice, _label in field.choices]
        if value not in allowed:
            raise ValidationError(_("Choose one of: %(choices)s.") % {"choices": ", ".join(allowed)})
    return value


def clean_values(
    schema: Sequence[CredentialField],
    values: dict[str, str],
    *,
    stored_secrets: frozenset[str] = frozenset(),
    clear: frozenset[str] = frozenset(),
) -> dict[str, str]:
    """Validate a full set of values; raises ``ValidationError`` keyed by field name.

    A blank secret keeps whatever is stored (even an unreadable value); blank non-secret fields fall back to
    the schema default. Returns only the fields that carry a value after defaults are applied.
    """
    known = {field.name for field in schema}
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(values) - known)
    if unknown:
        errors["__all__"] = [
            _("Unknown field(s) %(fields)s. This provider accepts: %(known)s.")
            % {"fields": ", ".join(unknown), "known": ", ".join(sorted(known))}
        ]
    cleaned: dict[str, str] = {}
    for field in schema:
        name = field.name
        raw = (values.get(name) or "").strip()
        if not raw and not field.secret and not is_placeholder_default(field):
            raw = field.default
        if raw:
            try:
                cleaned[name] = clean_value(field, raw)
            except ValidationError as exc:
                errors[name] = list(exc.messages)
        elif field.required and not (field.secret and name in stored_secrets and name not in clear):
            errors[name] = [_("%(label)s is required.") % {"label": field.label}]
    if errors:
        raise ValidationError(errors)
    return cleaned
