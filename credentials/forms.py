"""The admin's credential form, generated from the provider's credential schema."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from providers.catalog.types import FieldKind
from providers.models import Provider

from .models import Credential
from .schema import CredentialField, clean_values, is_placeholder_default, validate_http_url
from .selectors import SecretState, credential_secret_states

PREFIX = "cred_"
CLEAR_SUFFIX = "__clear"


def _secret_help(field: CredentialField, state: SecretState | None) -> str:
    base = str(field.help)
    if state is None or not state.stored:
        return base
    if not state.readable:
        return _("The stored value cannot be decrypted. Enter it again.")
    return _("Stored: %(mask)s. Leave blank to keep it.") % {"mask": state.mask} + (f" {base}" if base else "")


def _form_field(field: CredentialField, state: SecretState | None, placeholder: str = "") -> forms.Field:
    label = str(field.label)
    required = field.required
    if field.secret:
        return forms.CharField(
            label=label,
            required=required and not (state and state.stored),
            strip=True,
            help_text=_secret_help(field, state),
            # render_value=False: a secret is write-only and never sent back to the browser.
            widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        )
    help_text = str(field.help)
    if field.kind == FieldKind.SELECT:
        return forms.ChoiceField(label=label, choices=list(field.choices), required=required, help_text=help_text)
    validators = [validate_http_url] if field.kind == FieldKind.URL else []
    widget: forms.Widget | None = None
    if field.kind == FieldKind.URL:
        attrs = {"class": "vURLField"}
        if is_placeholder_default(field):
            attrs["placeholder"] = placeholder or field.default
            help_text = " ".join(filter(None, [_("Leave blank to use the provider's base URL."), help_text]))
        widget = forms.URLInput(attrs=attrs)
    if field.kind == FieldKind.LINES:
        widget = forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "class": "vLargeTextField"})
    return forms.CharField(
        label=label,
        required=required and not field.default,
        validators=validators,
        widget=widget,
        help_text=help_text,
    )


class CredentialAdminForm(forms.ModelForm):
    """Base form; ``credential_form_class`` adds one field per schema entry."""

    schema: ClassVar[tuple[CredentialField, ...]] = ()

    class Meta:
        model = Credential
        fields = ["name", "provider", "enabled"]

    class Media:
        js = ["credentials/provider_switch.js"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "provider" in self.fields:
            self.fields["provider"].queryset = Provider.objects.filter(enabled=True)  # type: ignore[attr-defined]
            if not self.schema:
                self.fields["provider"].help_text = _("Choose a provider to see its credential fields.")
        for field in self.schema:
            name = PREFIX + field.name
            if not field.secret and name in self.fields and not self.is_bound:
                default = "" if is_placeholder_default(field) else field.default
                self.fields[name].initial = self.instance.config.get(field.name, default)

    def schema_values(self) -> dict[str, str]:
        return {field.name: self.cleaned_data.get(PREFIX + field.name) or "" for field in self.schema}

    def cleared_secrets(self) -> list[str]:
        return [f.name for f in self.schema if self.cleaned_data.get(PREFIX + f.name + CLEAR_SUFFIX)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.schema and not self.errors:
            try:
                clean_values(
                    self.schema,
                    self.schema_values(),
                    stored_secrets=frozenset(self.instance.secrets),
                    clear=frozenset(self.cleared_secrets()),
                )
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    target = None if field == "__all__" else PREFIX + field
                    for message in messages:
                        self.add_error(target, message)
        return cleaned


def credential_form_class(provider: Provider | None, credential: Credential | None) -> type[CredentialAdminForm]:
    """A form class with one declared field per schema entry of ``provider``."""
    if provider is None:
        return CredentialAdminForm
    states = {s.field: s for s in credential_secret_states(credential)} if credential else {}
    attrs: dict[str, Any] = {"schema": provider.credential_schema}
    for field in provider.credential_schema:
        state = states.get(field.name)
        attrs[PREFIX + field.name] = _form_field(field, state, provider.effective_base_url)
        if field.secret and not field.required and state and state.stored:
            attrs[PREFIX + field.name + CLEAR_SUFFIX] = forms.BooleanField(
                label=_("Remove the stored %(label)s") % {"label": field.label}, required=False
            )
    return type("CredentialForm", (CredentialAdminForm,), attrs)


def schema_form_fields(provider: Provider | None, credential: Credential | None) -> list[str]:
    """Names of the generated fields, in schema order, for the admin's fieldsets."""
    if provider is None:
        return []
    form_class = credential_form_class(provider, credential)
    return [name for name in form_class.base_fields if name.startswith(PREFIX)]
