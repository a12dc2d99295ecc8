"""Export of the configuration: providers' admin state, models, credentials and default models, as a document."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from django.db.models import F
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from calls.models import DefaultModel
from credentials.models import Credential
from credentials.services import CredentialNeedsReentry, credential_secret_values
from providers.models import Provider, ProviderModel

from .crypto import SecretValues, passphrase_check, secrets_seal
from .format import (
    FORMAT,
    MODEL_DATA,
    VERSION,
    CredentialRecord,
    DefaultRecord,
    Document,
    ModelRecord,
    ProviderRecord,
    json_value,
)


@dataclass(frozen=True)
class ConfigExport:
    data: Document
    without_secrets: tuple[str, ...]  # credentials exported without their unreadable secrets: they need re-entry


def config_export(*, with_secrets: bool, passphrase: str | None) -> ConfigExport:
    """Everything admins configured, as JSON-ready data; secrets only ``with_secrets``, sealed by the passphrase.

    Raises ``PassphraseRejected``. A credential whose secrets cannot be read is exported without them. Secrets
    leave the database only through ``credential_secret_values``.
    """
    key = passphrase_check(passphrase) if with_secrets else None
    credentials = list(Credential.objects.select_related("provider").order_by("name"))
    defaults = DefaultModel.objects.select_related("model__provider", "credential")
    models = ProviderModel.objects.select_related("provider", "credential").order_by(
        "provider__position", "model_type", "name", F("credential__name").asc(nulls_first=True)
    )
    data = Document(
        format=FORMAT,
        version=VERSION,
        exported_at=timezone.now().isoformat(),
        providers=[_provider_record(provider) for provider in Provider.objects.all()],
        models=[_model_record(model) for model in models],
        credentials=[_credential_record(credential) for credential in credentials],
        defaults=[_default_record(default) for default in defaults],
        secrets=None,
    )
    unreadable: list[str] = []
    if key is not None:
        data["secrets"] = secrets_seal(_secrets_collect(credentials, unreadable), key)
    return ConfigExport(data=data, without_secrets=tuple(unreadable))


def _provider_record(provider: Provider) -> ProviderRecord:
    return {"slug": provider.slug, "enabled": provider.enabled, "base_url": provider.base_url}


def _model_record(model: ProviderModel) -> ModelRecord:
    key = {
        "provider": model.provider.slug,
        "name": model.name,
        "model_type": model.model_type,
        "credential": model.credential.name if model.credential is not None else None,
    }
    return cast(ModelRecord, key | {name: json_value(getattr(model, name)) for name in MODEL_DATA})


def _credential_record(credential: Credential) -> CredentialRecord:
    provider, config = credential.provider.slug, credential.config
    return {"name": credential.name, "provider": provider, "enabled": credential.enabled, "config": config}


def _default_record(default: DefaultModel) -> DefaultRecord:
    return {
        "model_type": default.model_type,
        "provider": default.model.provider.slug,
        "model": default.model.name,
        "credential": default.credential.name,
    }


@sensitive_variables()
def _secrets_collect(credentials: list[Credential], unreadable: list[str]) -> SecretValues:
    secrets: SecretValues = {}
    for credential in credentials:
        try:
            values = credential_secret_values(credential)
        except CredentialNeedsReentry:
            unreadable.append(credential.name)
            continue
        if values:
            secrets[credential.name] = values
    return secrets
