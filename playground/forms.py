"""The playground form: validates input and resolves variables; the run itself is a service.

Every text input has a length limit and refuses null characters (no PostgreSQL text column stores one); model
names follow ``core.validators.validate_model_name``; parameters stay within the model's rules, or within
generic bounds where the catalog has none. The limits are the same on every database.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import QueryDict
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.validators import (
    JSON_MAX_DEPTH,
    MODEL_NAME_MAX_LENGTH,
    PARAMETER_BOUNDS,
    json_too_deep,
    validate_model_name,
)
from credentials.models import Credential
from providers.models import Provider, ProviderModel

from .selectors import conversation_get, parse_uuid
from .services import DEFAULT, ERROR_OUTPUT, FAIL, RunRequest
from .variables import VARIABLES_MAX_CHARS, VariableError, parse_variables, render

# System message, user message (also once its variables are filled in) and default value: 100,000 characters is
# about 25,000 tokens of English, more than a playground prompt needs; a message and a system message of that
# length fit the request body limit together even in Chinese (3 bytes a character in the page's multipart form).
TEXT_MAX_CHARS = 100_000

ERROR_MODES = [
    (FAIL, _("Fail: show the error")),
    (DEFAULT, _("Default value: answer with the content below")),
    (ERROR_OUTPUT, _("Error output: JSON with the error type and message")),
]


def require_text(message: str) -> str:
    """A message that is only whitespace is as good as empty."""
    if not message.strip():
        raise forms.ValidationError(_("Write a message first."))
    return message


class ModelNameField(forms.CharField):
    """A model name, checked by ``validate_model_name`` (which covers null characters: one error, not two)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators = [validate_model_name]


def chat_credentials() -> Any:
    """Enabled credentials whose (enabled) provider serves llm models."""
    llm_providers = [p.pk for p in Provider.objects.filter(enabled=True) if "llm" in p.model_types]
    return Credential.objects.select_related("provider").filter(enabled=True, provider_id__in=llm_providers)


def llm_models(credential: Credential | None) -> Any:
    if credential is None:
        return ProviderModel.objects.none()
    return ProviderModel.objects.filter(provider_id=credential.provider_id, model_type="llm", enabled=True)


def llm_models_for(credentials: Any) -> Any:
    """Enabled llm models of the providers behind ``credentials`` (suggestions for typed model names)."""
    return ProviderModel.objects.filter(
        provider_id__in=credentials.values("provider_id"), model_type="llm", enabled=True
    )


class PlaygroundForm(forms.Form):
    credential = forms.ModelChoiceField(
        label=_("Credential"), queryset=Credential.objects.none(), empty_label=_("Choose a credential")
    )
    model = ModelNameField(label=_("Model"), required=False, widget=forms.Select)
    model_name = ModelNameField(
        label=_("Or type any model name"),
        required=False,
        widget=forms.TextInput(
            attrs={"placeholder": _("e.g. qwen-plus, gpt-4o-mini"), "maxlength": MODEL_NAME_MAX_LENGTH}
        ),
    )
    system = forms.CharField(
        label=_("System message"),
        required=False,
        max_length=TEXT_MAX_CHARS,
        initial="You are a helpful assistant",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    message = forms.CharField(
        label=_("User message"),
        strip=False,
        max_length=TEXT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Use {{name}} or {{node.output}} to insert variables."),
    )
    variables = forms.CharField(
        label=_("Variables (JSON)"),
        required=False,
        max_length=VARIABLES_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
    )
    history = forms.BooleanField(label=_("Load conversation history"), required=False)
    history_rounds = forms.IntegerField(label=_("Rounds"), min_value=1, max_value=100, initial=1)
    history_window = forms.IntegerField(
        label=_("Only from the last (minutes)"), min_value=1, max_value=60 * 24 * 365, required=False
    )
    temperature = forms.FloatField(label=_("Temperature"), required=False)
    top_p = forms.FloatField(label=_("Top P"), required=False)
    max_tokens = forms.IntegerField(label=_("Max tokens"), required=False, min_value=1)
    max_attempts = forms.IntegerField(label=_("Max attempts"), min_value=1, max_value=5)
    error_mode = forms.ChoiceField(label=_("On error"), choices=ERROR_MODES, initial=FAIL)
    default_value = forms.CharField(
        label=_("Default value"), required=False, max_length=TEXT_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 2})
    )
    conversation = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        credentials = chat_credentials()
        self.fields["credential"].queryset = credentials  # type: ignore[attr-defined]
        self.fields["max_attempts"].initial = settings.PROVIDER_MAX_ATTEMPTS
        self.fields["history_rounds"].required = False
        self.fields["max_attempts"].required = False
        selected = self._selected_credential(credentials)
        if selected is not None and not self.is_bound:
            self.initial.setdefault("credential", selected.pk)
        names = [(m.name, m.display_name or m.name) for m in llm_models(selected)]
        model = self.initial.get("model")
        if model and model not in {name for name, _label in names}:
            # A typed model name stays typed.
            self.initial["model_name"], self.initial["model"] = model, ""
        self.fields["model"].widget.choices = [("", _("Choose a model")), *names]

    def _selected_credential(self, credentials: Any) -> Credential | None:
        raw = self.data.get("credential") if self.is_bound else self.initial.get("credential")
        if isinstance(raw, Credential):
            return raw
        if raw is None and not self.is_bound:
            return credentials.first()
        pk = parse_uuid(raw)
        return credentials.filter(pk=pk).first() if pk else None

    def clean_conversation(self) -> Any:
        raw = self.cleaned_data.get("conversation")
        if not raw:
            return None
        conversation = conversation_get(user=self.user, conversation_id=raw)
        if conversation is None:
            raise forms.ValidationError(_("This conversation does not exist or is not yours."))
        return conversation

    def clean_message(self) -> str:
        return require_text(self.cleaned_data["message"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        model = (data.get("model_name") or "").strip() or (data.get("model") or "").strip()
        if not model and not {"model", "model_name"} & set(self.errors):
            self.add_error("model", _("Choose a model or type its name."))
        data["model_name"] = model
        if "variables" not in self.errors:
            try:
                variables = parse_variables(data.get("variables") or "")
                if "message" in data:
                    data["message"] = render(data["message"], variables, max_length=TEXT_MAX_CHARS)
            except VariableError as exc:
                self.add_error(exc.field, str(exc))
        self._check_parameters(data, model)
        if data.get("error_mode") == DEFAULT and not data.get("default_value"):
            self.add_error("default_value", _("Enter the content to answer with when the call fails."))
        return data

    def _check_parameters(self, data: dict[str, Any], model_name: str) -> None:
        """Parameters within the model's rules, and within ``PARAMETER_BOUNDS`` where there are none.

        A typed model name has no rules at all; a catalog model's rules may leave a bound open.
        """
        model = llm_models(data.get("credential")).filter(name=model_name).first() if model_name else None
        rules = model.parameter_rules() if model is not None else {}
        for name, (generic_min, generic_max) in PARAMETER_BOUNDS.items():
            value, rule = data.get(name), rules.get(name, {})
            low = generic_min if rule.get("min") is None else rule["min"]
            high = generic_max if rule.get("max") is None else rule["max"]
            if value is None or low <= value <= high:
                continue
            bounds = {"name": name, "min": low, "max": high}
            if model is not None:
                self.add_error(
                    name, _("%(model)s accepts %(name)s from %(min)s to %(max)s.") % {**bounds, "model": model.name}
                )
            else:
                self.add_error(name, _("%(name)s must be from %(min)s to %(max)s.") % bounds)

    def run_request(self) -> RunRequest:
        data = self.cleaned_data
        return RunRequest(
            user=self.user,
            credential=data["credential"],
            model=data["model_name"],
            system=data.get("system") or "",
            message=data["message"],
            history=bool(data.get("history")),
            rounds=data.get("history_rounds") or 1,
            window_minutes=data.get("history_window"),
            temperature=data.get("temperature"),
            top_p=data.get("top_p"),
            max_tokens=data.get("max_tokens"),
            max_attempts=data.get("max_attempts"),
            error_mode=data.get("error_mode") or FAIL,
            default_value=data.get("default_value") or "",
            conversation=data.get("conversation"),
        )


class JsonBodyError(ValueError):
    """A JSON request body that cannot become form data; ``errors`` is shaped as ``form.errors`` is."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


def playground_json_data(body: bytes) -> QueryDict:
    """A JSON object body (scripts) as the playground form's data: true is "on", false and null are empty.

    ``variables`` may be given as the JSON object itself. Any other field takes text, a number or a boolean; a
    nested value is an error naming that field, never stringified. Raises ``JsonBodyError``.
    """
    payload = _json_body(body)
    data, errors = QueryDict(mutable=True), {}
    for key, value in payload.items():
        if key not in PlaygroundForm.base_fields:
            continue
        if isinstance(value, (dict, list)) and key != "variables":
            errors[key] = [gettext("Send this field as text, a number or true/false, not as a JSON object or list.")]
        elif isinstance(value, (dict, list)):
            data[key] = json.dumps(value, ensure_ascii=False)
        else:
            data[key] = "on" if value is True else ("" if value is False or value is None else str(value))
    if errors:
        raise JsonBodyError(errors)
    return data


def _json_body(body: bytes) -> dict[str, Any]:
    """The body's JSON object. Nesting is checked before parsing, one level more than variables may have."""
    try:
        text = body.decode(json.detect_encoding(body)) if body else "{}"
    except UnicodeDecodeError:
        text = ""
    too_deep = json_too_deep(text, max_depth=JSON_MAX_DEPTH + 1)
    if too_deep is not None:
        field = too_deep.key or NON_FIELD_ERRORS
        if field == NON_FIELD_ERRORS:
            message = gettext("The request body is nested deeper than %(limit)d levels.")
        else:
            message = gettext("This value is nested deeper than %(limit)d levels.")
        raise JsonBodyError({field: [message % {"limit": JSON_MAX_DEPTH}]})
    try:
        payload = json.loads(text)
    except ValueError:  # not JSON, or an integer too long to convert
        payload = None
    if not isinstance(payload, dict):
        raise JsonBodyError({NON_FIELD_ERRORS: [gettext("The request body is not a JSON object.")]})
    return payload


COMPARE_SLOTS = 4


class CompareForm(forms.Form):
    """The same prompt for up to four credential/model pairs."""

    system = forms.CharField(
        label=_("System message"),
        required=False,
        max_length=TEXT_MAX_CHARS,
        initial="You are a helpful assistant",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    message = forms.CharField(
        label=_("User message"), max_length=TEXT_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        credentials = chat_credentials()
        for slot in range(1, COMPARE_SLOTS + 1):
            self.fields[f"credential_{slot}"] = forms.ModelChoiceField(
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
                    }
                ),
            )

    def slots(self) -> list[tuple[Any, Any]]:
        return [(self[f"credential_{n}"], self[f"model_{n}"]) for n in range(1, COMPARE_SLOTS + 1)]

    def clean_message(self) -> str:
        return require_text(self.cleaned_data["message"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        targets = []
        for slot in range(1, COMPARE_SLOTS + 1):
            credential, model = data.get(f"credential_{slot}"), (data.get(f"model_{slot}") or "").strip()
            if credential and model:
                targets.append((credential, model))
            elif credential or model:
                self.add_error(f"model_{slot}" if credential else f"credential_{slot}", _("Fill in both, or neither."))
        if not targets and not self.errors:
            raise forms.ValidationError(_("Choose at least one credential and model to compare."))
        data["targets"] = targets
        return data
