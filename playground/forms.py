"""The playground form: validates input and resolves variables; the run itself is a service."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from credentials.models import Credential
from providers.models import Provider, ProviderModel

from .selectors import conversation_get, parse_uuid
from .services import DEFAULT, ERROR_OUTPUT, FAIL, RunRequest
from .variables import VariableError, parse_variables, render

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
    model = forms.CharField(label=_("Model"), required=False, widget=forms.Select)
    model_name = forms.CharField(
        label=_("Or type any model name"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. qwen-plus, gpt-4o-mini")}),
    )
    system = forms.CharField(
        label=_("System message"),
        required=False,
        initial="You are a helpful assistant",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    message = forms.CharField(
        label=_("User message"),
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Use {{name}} or {{node.output}} to insert variables."),
    )
    variables = forms.CharField(
        label=_("Variables (JSON)"),
        required=False,
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
    default_value = forms.CharField(label=_("Default value"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    conversation = forms.CharField(required=False, widget=forms.HiddenInput)

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
        if not model:
            self.add_error("model", _("Choose a model or type its name."))
        data["model_name"] = model
        try:
            variables = parse_variables(data.get("variables") or "")
            if "message" in data:
                data["message"] = render(data["message"], variables)
        except VariableError as exc:
            self.add_error(exc.field, str(exc))
        if model and data.get("credential"):
            self._check_parameters(data, model)
        if data.get("error_mode") == DEFAULT and not data.get("default_value"):
            self.add_error("default_value", _("Enter the content to answer with when the call fails."))
        return data

    def _check_parameters(self, data: dict[str, Any], model_name: str) -> None:
        """Parameters within the model's rules, when the model is one the catalog knows."""
        model = llm_models(data["credential"]).filter(name=model_name).first()
        if model is None:
            return
        for name, rule in model.parameter_rules().items():
            value = data.get(name)
            if value is None:
                continue
            if (rule["min"] is not None and value < rule["min"]) or (rule["max"] is not None and value > rule["max"]):
                self.add_error(
                    name,
                    _("%(model)s accepts %(name)s from %(min)s to %(max)s.")
                    % {"model": model.name, "name": name, "min": rule["min"], "max": rule["max"]},
                )

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


COMPARE_SLOTS = 4


class CompareForm(forms.Form):
    """The same prompt for up to four credential/model pairs."""

    system = forms.CharField(
        label=_("System message"),
        required=False,
        initial="You are a helpful assistant",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    message = forms.CharField(label=_("User message"), widget=forms.Textarea(attrs={"rows": 3}))

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
            self.fields[f"model_{slot}"] = forms.CharField(
                label=_("Model %(n)d") % {"n": slot},
                required=False,
                max_length=200,
                widget=forms.TextInput(attrs={"placeholder": _("model name"), "list": "pg-compare-models"}),
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
