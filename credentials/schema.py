"""Validation of credential values against a provider's credential schema.

Shared by the admin form and ``create_credential`` so that both accept and reject exactly the same input.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.validators import validate_http_url
from providers.catalog.types import FieldSpec, localized

__all__ = ["FieldSpec", "clean_values", "localized", "validate_http_url"]


def is_placeholder_default(spec: FieldSpec) -> bool:
    """An optional URL's default is shown as a hint and resolved at call time, never stored.

    Storing it would freeze today's provider URL into the credential and hide a later admin override.
    """
    return spec.get("kind") == "url" and not spec.get("required")


MASK_CHARACTER = "•"  # the admin shows stored secrets as ••••abcd; see credentials.selectors.mask_secret


def clean_value(spec: FieldSpec, value: str) -> str:
    """Validate one non-empty value; returns it stripped."""
    value = value.strip()
    if spec.get("secret") and MASK_CHARACTER in value:
        raise ValidationError(
            _(
                "This looks like the masked value shown by ModelDesk, not the secret itself. "
                "Paste the real key, or leave the field blank to keep the stored one."
            )
        )
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValidationError(_("Remove the control characters (such as line breaks) from this value."))
    if spec.get("kind") == "url":
        validate_http_url(value)
    if spec.get("kind") == "select":
        allowed = [choice[0] for choice in spec.get("choices", [])]
        if value not in allowed:
            raise ValidationError(_("Choose one of: %(choices)s.") % {"choices": ", ".join(allowed)})
    return value


def clean_values(
    schema: list[FieldSpec],
    values: dict[str, str],
    *,
    stored_secrets: frozenset[str] = frozenset(),
    clear: frozenset[str] = frozenset(),
) -> dict[str, str]:
    """Validate a full set of values; raises ``ValidationError`` keyed by field name.

    A blank secret keeps whatever is stored (even an unreadable value); blank non-secret fields fall back to
    the schema default. Returns only the fields that carry a value after defaults are applied.
    """
    known = {spec["name"] for spec in schema}
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(values) - known)
    if unknown:
        errors["__all__"] = [
            _("Unknown field(s) %(fields)s. This provider accepts: %(known)s.")
            % {"fields": ", ".join(unknown), "known": ", ".join(sorted(known))}
        ]
    cleaned: dict[str, str] = {}
    for spec in schema:
        name = spec["name"]
        raw = (values.get(name) or "").strip()
        if not raw and not spec.get("secret") and not is_placeholder_default(spec):
            raw = str(spec.get("default") or "")
        if raw:
            try:
                cleaned[name] = clean_value(spec, raw)
            except ValidationError as exc:
                errors[name] = list(exc.messages)
        elif spec.get("required") and not (spec.get("secret") and name in stored_secrets and name not in clear):
            errors[name] = [_("%(label)s is required.") % {"label": localized(spec, "label")}]
    if errors:
        raise ValidationError(errors)
    return cleaned
