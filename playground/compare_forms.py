"""The compare page's input: its form, and the ``columns`` of a live compare's JSON body.

Each column (a form slot, or an item of ``columns``) has its own parameters: temperature (0 to 2), top_p (0 to 1)
and max tokens (1 to 1,000,000), each left to the model's default when empty. These generic bounds are checked
here so that a typo is an error on its field before anything runs; a model's own rules (``calls.rules``) still
apply when it is called, and break only that column.
The form keeps one ``max_tokens`` for every slot as a fallback for a slot without its own, because form-encoded
clients written before the slots had parameters send it; the page shows only the slots' fields.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from django import forms
from django.forms import BoundField
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.validators import MODEL_NAME_MAX_LENGTH, model_name_problem
from credentials.models import Credential
from wire.types import Message

from .forms import (
    TEXT_MAX_CHARS,
    CredentialChoiceField,
    CredentialOptions,
    ModelNameField,
    chat_credentials,
    require_text,
    system_field,
)
from .live_compare import CompareColumn
from .selectors import parse_uuid

COMPARE_SLOTS = 4
HISTORY_MAX_MESSAGES = 200


@dataclass(frozen=True)
class Parameter:
    """A column's parameter: its generic bounds, and how the page's input steps."""

    name: str
    label: Any  # lazy text
    lowest: int
    highest: int
    whole: bool  # whole numbers only
    step: str
    problem: Any  # lazy text: what a bad value is told in the JSON API, in its words (it names the key)

    def field(self) -> forms.Field:
        """The slot's input; empty is the model's default (which the page shows as the placeholder)."""
        kind = forms.IntegerField if self.whole else forms.FloatField
        attrs = {"step": self.step, "placeholder": _("Default"), "inputmode": "numeric" if self.whole else "decimal"}
        return kind(
            label=self.label,
            required=False,
            min_value=self.lowest,
            max_value=self.highest,
            widget=forms.NumberInput(attrs=attrs),
        )


MAX_TOKENS_MAX = 1_000_000
PARAMETERS = (
    Parameter(
        name="temperature",
        label=_("Temperature"),
        lowest=0,
        highest=2,
        whole=False,
        step="0.1",
        problem=_("temperature must be a number from 0 to 2."),
    ),
    Parameter(
        name="top_p",
        label=_("Top P"),
        lowest=0,
        highest=1,
        whole=False,
        step="0.05",
        problem=_("top_p must be a number from 0 to 1."),
    ),
    Parameter(
        name="max_tokens",
        label=_("Max tokens"),
        lowest=1,
        highest=MAX_TOKENS_MAX,
        whole=True,
        step="1",
        problem=_("max_tokens must be a whole number from 1 to 1000000."),
    ),
)


@dataclass(frozen=True)
class CompareSlot:
    """One slot of the form, for the template: its number, credential and model, and its parameter fields."""

    number: int
    credential: BoundField
    model: BoundField
    parameters: tuple[BoundField, ...]

    @property
    def parameter_errors(self) -> bool:
        """Whether a parameter has an error, so that the page opens the folded parameters at it."""
        return any(field.errors for field in self.parameters)


class CompareForm(forms.Form):
    """The same prompt for up to four credential/model pairs, each with its own temperature, top_p and max tokens.

    A valid form's ``cleaned_data`` has ``targets`` (the filled slots' credential and model, in slot order) and
    ``samplings`` (each target's parameters, the shared ``max_tokens`` filling in a slot's empty one)."""

    system = system_field()
    message = forms.CharField(
        label=_("User message"), max_length=TEXT_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 3})
    )
    max_tokens = forms.IntegerField(label=_("Max tokens"), required=False, min_value=1, max_value=MAX_TOKENS_MAX)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        """``user``: offer only the credentials they may use (None: every one)."""
        super().__init__(*args, **kwargs)
        self.user = user
        credentials = chat_credentials(user)
        for slot in range(1, COMPARE_SLOTS + 1):
            self.fields[f"credential_{slot}"] = CredentialChoiceField(
                label=_("Credential %(n)d") % {"n": slot},
                queryset=credentials,
                required=False,
                empty_label=_("Choose a credential"),
            )
            self.fields[f"model_{slot}"] = ModelNameField(
                label=_("Model %(n)d") % {"n": slot},
                required=False,
                widget=forms.TextInput(
                    attrs={
                        "placeholder": _("model name"),
                        "list": "pg-compare-models",
                        "maxlength": MODEL_NAME_MAX_LENGTH,
                        "autocomplete": "off",
                    }
                ),
            )
            for parameter in PARAMETERS:
                self.fields[f"{parameter.name}_{slot}"] = parameter.field()
        self._bound_credential_options(credentials)

    def _bound_credential_options(self, credentials: Any) -> None:
        """The slots' selects share one first page of credentials, with each slot's chosen one (read when the
        page is rendered, in one query for the four)."""
        chosen = {slot: parse_uuid(self[f"credential_{slot}"].value()) for slot in range(1, COMPARE_SLOTS + 1)}
        options = CredentialOptions(credentials, chosen={pk for pk in chosen.values() if pk})
        for slot, pk in chosen.items():
            field = self.fields[f"credential_{slot}"]
            field.options, field.chosen = options, pk  # type: ignore[attr-defined]

    def slots(self) -> list[CompareSlot]:
        return [
            CompareSlot(
                number=n,
                credential=self[f"credential_{n}"],
                model=self[f"model_{n}"],
                parameters=tuple(self[f"{p.name}_{n}"] for p in PARAMETERS),
            )
            for n in range(1, COMPARE_SLOTS + 1)
        ]

    def clean_message(self) -> str:
        return require_text(self.cleaned_data["message"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        targets, samplings = [], []
        for slot in range(1, COMPARE_SLOTS + 1):
            credential, model = data.get(f"credential_{slot}"), (data.get(f"model_{slot}") or "").strip()
            if credential and model:
                targets.append((credential, model))
                samplings.append(self._sampling(data, slot))
            elif credential or model:
                self.add_error(f"model_{slot}" if credential else f"credential_{slot}", _("Fill in both, or neither."))
        if not targets and not self.errors:
            raise forms.ValidationError(_("Choose at least one credential and model to compare."))
        data["targets"], data["samplings"] = targets, samplings
        return data

    @staticmethod
    def _sampling(data: dict[str, Any], slot: int) -> dict[str, Any]:
        sampling = {p.name: data.get(f"{p.name}_{slot}") for p in PARAMETERS}
        if sampling["max_tokens"] is None:
            sampling["max_tokens"] = data.get("max_tokens")
        return sampling

    def columns(self) -> list[CompareColumn]:
        """The valid form's slots as live-compare columns (no history: the form starts a comparison)."""
        pairs = zip(self.cleaned_data["targets"], self.cleaned_data["samplings"], strict=True)
        return [CompareColumn(credential, model, sampling=sampling) for (credential, model), sampling in pairs]


class CompareRequestError(ValueError):
    """A live-compare JSON body that cannot be run; ``errors`` is shaped as ``form.errors`` is."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


def compare_columns(payload: dict[str, Any]) -> list[CompareColumn]:
    """The ``columns`` of a live-compare JSON body, checked: each a credential (its id or name) that can chat, a
    model name, its own optional ``temperature``, ``top_p`` and ``max_tokens``, and its own ``history`` (earlier
    user and assistant turns, so that a follow-up goes to every column with what that column said). Raises
    ``CompareRequestError`` naming the field (``columns.1.top_p``)."""
    raw = payload.get("columns")
    if not isinstance(raw, list) or not 1 <= len(raw) <= COMPARE_SLOTS:
        raise CompareRequestError({"columns": [gettext("Send one to four columns.")]})
    credentials = chat_credentials()  # any that can chat: whether the user may is the view's 403 to give
    columns, errors = [], {}
    for index, column in enumerate(raw):
        key = f"columns.{index}"
        if not isinstance(column, dict):
            errors[key] = [gettext("Each column is an object with a credential and a model.")]
            continue
        credential = _column_credential(credentials, column.get("credential"))
        model = column.get("model")
        problem = model_name_problem(model) if isinstance(model, str) else gettext("Name a model.")
        if credential is None:
            errors[f"{key}.credential"] = [gettext("No enabled credential that can chat has this id or name.")]
        if problem:
            errors[f"{key}.model"] = [problem]
        sampling = _column_sampling(column, key, errors)
        history = _column_history(column.get("history", []), f"{key}.history", errors)
        if credential is not None and isinstance(model, str) and not problem:
            columns.append(CompareColumn(credential, model, sampling=sampling, history=history))
    if errors:
        raise CompareRequestError(errors)
    return columns


def _column_credential(credentials: Any, value: Any) -> Credential | None:
    if not isinstance(value, str) or not value:
        return None
    pk = parse_uuid(value)
    found: Credential | None = (credentials.filter(pk=pk) if pk else credentials.filter(name=value)).first()
    return found


def _column_sampling(column: dict[str, Any], key: str, errors: dict[str, list[str]]) -> dict[str, Any]:
    """The column's parameters that are set (``null`` or absent is the model's default); a bad one is an error."""
    sampling = {}
    for parameter in PARAMETERS:
        value = column.get(parameter.name)
        if value is None:
            continue
        if _within(value, parameter):
            sampling[parameter.name] = value
        else:
            errors[f"{key}.{parameter.name}"] = [str(parameter.problem)]
    return sampling


def _within(value: Any, parameter: Parameter) -> bool:
    """A JSON number (not a boolean, not NaN) within the parameter's bounds, whole if it must be."""
    kinds: tuple[type, ...] = (int,) if parameter.whole else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds):
        return False
    return math.isfinite(value) and parameter.lowest <= value <= parameter.highest


def _column_history(value: Any, key: str, errors: dict[str, list[str]]) -> tuple[Message, ...]:
    turns = value if isinstance(value, list) and len(value) <= HISTORY_MAX_MESSAGES else None
    if turns is None or not all(
        isinstance(t, dict)
        and t.get("role") in {"user", "assistant"}
        and isinstance(t.get("content"), str)
        and len(t["content"]) <= TEXT_MAX_CHARS
        and "\0" not in t["content"]
        for t in turns
    ):
        errors[key] = [
            gettext("History is a list of at most %(count)d turns, each a role (user or assistant) and its content.")
            % {"count": HISTORY_MAX_MESSAGES}
        ]
        return ()
    return tuple(Message(t["role"], t["content"]) for t in turns)
