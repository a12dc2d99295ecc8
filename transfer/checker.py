"""Checking a whole file against the catalog, the database and itself, and planning what an import will write."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.views.decorators.debug import sensitive_variables

from credentials.models import Credential
from credentials.schema import clean_values, validate_http_url
from providers.models import ModelOrigin, ModelTypeChoices, Provider, ProviderModel
from providers.services import catalog_load

from .crypto import SecretValues, secrets_open
from .format import (
    ConfigFileError,
    CredentialRecord,
    DefaultRecord,
    Document,
    ModelKey,
    ModelRecord,
    ProviderRecord,
    document_check,
    model_key,
    model_label,
    model_values,
    quote,
    validation_reason,
)

_T = TypeVar("_T")


@dataclass(frozen=True)
class CredentialEntry:
    """A credential as it will be saved: its values cleaned by the provider's schema, its secrets apart."""

    name: str
    provider: str
    enabled: bool
    config: dict[str, str]
    secrets: dict[str, str] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class ModelEntry:
    """A model as it will be saved: its key, and the fields the file carries as the columns hold them."""

    provider: str
    name: str
    model_type: str
    credential: str | None  # the owning credential's name; None: provider-wide
    values: dict[str, Any]  # prices as ``Decimal``, ``retires_on`` as a ``date``; no field the file leaves out

    @property
    def key(self) -> ModelKey:
        return self.provider, self.name, self.model_type, self.credential


@dataclass(frozen=True)
class ImportPlan:
    """A checked file, as plain data; ``config_import`` resolves it against the database."""

    providers: tuple[ProviderRecord, ...]
    models: tuple[ModelEntry, ...]
    credentials: tuple[CredentialEntry, ...]
    defaults: tuple[DefaultRecord, ...]


@sensitive_variables()
def config_import_plan(data: Any, *, passphrase: str | None, skip_secrets: bool) -> ImportPlan:
    """Check the whole file against the catalog, the database and itself; write nothing.

    Raises ``ConfigFileError`` naming the problems found, on one line. An empty database gets the code catalog
    loaded for the check only, in a savepoint that is rolled back (``config_import`` loads it for real).
    """
    document = document_check(data)
    secrets = _secrets_read(document, passphrase=passphrase, skip_secrets=skip_secrets)
    with transaction.atomic():  # rolled back: the check writes nothing, not even the catalog it may load
        if not Provider.objects.exists():
            catalog_load()
        try:
            return _Checker(document).plan(secrets)
        finally:
            transaction.set_rollback(True)


@sensitive_variables()
def _secrets_read(document: Document, *, passphrase: str | None, skip_secrets: bool) -> SecretValues:
    blob = document.get("secrets")
    if blob is None or skip_secrets:
        return {}
    if passphrase is None:
        raise ConfigFileError(
            "The file carries encrypted secrets but no passphrase was given; import without secrets to skip them."
        )
    return secrets_open(blob, passphrase)


class _Checker:
    """Checks well-formed records against the database and each other, collecting every problem.

    Each check returns the record as it will be applied, or raises ``ValidationError``.
    """

    def __init__(self, document: Document) -> None:
        self.document = document
        self.problems: list[str] = []
        self.providers = {p.slug: p for p in Provider.objects.all()}  # this checker's own copies
        self.credentials = {c.name: c for c in Credential.objects.select_related("provider")}
        rows = ProviderModel.objects.values_list(
            "provider__slug", "name", "model_type", "credential__name", "enabled", "origin"
        )
        models: dict[ModelKey, tuple[bool, str]] = {
            (slug, name, model_type, owner): (enabled, origin)
            for slug, name, model_type, owner, enabled, origin in rows
        }
        self.origins = {key: origin for key, (_, origin) in models.items()}
        # What defaults may name once the file is applied.
        self.enabled_after = {key: enabled for key, (enabled, _) in models.items()} | {
            model_key(row): row["enabled"] for row in document["models"]
        }
        # What models and defaults may name once the file is applied: each credential and its provider.
        self.owners_after = {c.name: c.provider.slug for c in self.credentials.values()} | {
            row["name"]: row["provider"] for row in document["credentials"]
        }

    def plan(self, secrets: SecretValues) -> ImportPlan:
        self.duplicates()
        document = self.document
        names = {row["name"] for row in document["credentials"]}
        self.problems += [f"secrets for {quote(name)}, not in 'credentials'" for name in secrets if name not in names]
        providers = [self.check(f"provider {quote(r['slug'])}", self.provider, r) for r in document["providers"]]
        models = [self.check(f"model {model_label(model_key(r))}", self.model, r) for r in document["models"]]
        credentials = [
            self.check(f"credential {quote(r['name'])}", self.credential, r, secrets.get(r["name"], {}))
            for r in document["credentials"]
        ]
        defaults = [self.check(f"default {quote(r['model_type'])}", self.default, r) for r in document["defaults"]]
        if self.problems:
            raise ConfigFileError.from_problems(self.problems)
        return ImportPlan(
            providers=tuple(p for p in providers if p),
            models=tuple(m for m in models if m),
            credentials=tuple(c for c in credentials if c),
            defaults=tuple(d for d in defaults if d),
        )

    def check(self, where: str, step: Callable[..., _T], *args: Any) -> _T | None:
        try:
            return step(*args)
        except ValidationError as exc:
            self.problems.append(f"{where}: {validation_reason(exc)}")
            return None

    def duplicates(self) -> None:
        keys = {
            "providers": [quote(row["slug"]) for row in self.document["providers"]],
            "models": [model_label(model_key(row)) for row in self.document["models"]],
            "credentials": [quote(row["name"]) for row in self.document["credentials"]],
            "defaults": [quote(row["model_type"]) for row in self.document["defaults"]],
        }
        for kind, seen in keys.items():
            self.problems += [f"{kind}: {k} appears {n} times" for k, n in Counter(seen).items() if n > 1]

    def provider_get(self, slug: str) -> Provider:
        provider = self.providers.get(slug)
        if provider is None:
            raise ValidationError(f"unknown provider {quote(slug)}")
        return provider

    def provider(self, row: ProviderRecord) -> ProviderRecord:
        provider = self.providers.get(row["slug"])
        if provider is None:
            raise ValidationError("unknown provider, not in this ModelDesk's catalog")
        if row["enabled"] and not provider.in_catalog:
            raise ValidationError("this provider was removed from this ModelDesk's catalog and cannot be enabled")
        provider.base_url = row["base_url"].strip()
        provider.clean_fields()
        if provider.base_url:
            validate_http_url(provider.base_url)
        return row | {"base_url": provider.base_url}

    def model(self, row: ModelRecord) -> ModelEntry:
        provider, credential = self.provider_get(row["provider"]), row.get("credential")
        values = model_values(row)
        if credential is not None:
            self.owner_check(credential, provider=row["provider"])
        if self.origins.get(model_key(row)) != ModelOrigin.PREDEFINED:  # else the catalog's rules are not applied
            model = ProviderModel(provider=provider, name=row["name"], model_type=row["model_type"], **values)
            model.clean_fields(exclude=["provider", "credential"])
            model.clean()
        return ModelEntry(row["provider"], row["name"], row["model_type"], credential, values)

    def owner_check(self, credential: str, *, provider: str) -> None:
        """That the credential will exist, for ``provider``."""
        owner = self.owners_after.get(credential)
        if owner is None:
            raise ValidationError(f"unknown credential {quote(credential)}, not in the file or in this database")
        if owner != provider:
            raise ValidationError(
                f"credential {quote(credential)} belongs to {owner}, but the model is served by {provider}"
            )

    @sensitive_variables()
    def credential(self, row: CredentialRecord, secrets: dict[str, str]) -> CredentialEntry:
        """Messages name fields, never values."""
        provider, current = self.provider_get(row["provider"]), self.credentials.get(row["name"])
        if current is not None and current.provider_id != provider.pk:
            raise ValidationError(f"exists here for provider {current.provider.slug}, not {provider.slug}")
        secret_names = frozenset(provider.secret_field_names())
        _credential_values_check(row["config"], secrets, secret_names)
        # Required secrets the file does not carry at all are fine: the credential then needs re-entry. Secrets it
        # does carry must, with those stored, satisfy the schema, as ``credential_save`` will check.
        stored = frozenset(current.secrets if current else ()) if secrets else secret_names
        Credential(provider=provider, name=row["name"]).clean_fields(exclude=["provider", "config", "secrets"])
        cleaned = clean_values(provider.credential_schema, {**row["config"], **secrets}, stored_secrets=stored)
        return CredentialEntry(
            name=row["name"],
            provider=provider.slug,
            enabled=row["enabled"],
            config={name: value for name, value in cleaned.items() if name not in secret_names},
            secrets={name: value for name, value in cleaned.items() if name in secret_names},
        )

    def default(self, row: DefaultRecord) -> DefaultRecord:
        """The rules of ``DefaultModel.clean``, against the models and credentials there will be.

        The model is the credential's own of that name and type if there is one, else the provider-wide one.
        """
        key = (row["provider"], row["model"], row["model_type"])
        enabled = self.enabled_after.get((*key, row["credential"]), self.enabled_after.get((*key, None)))
        label = quote(row["provider"] + "/" + row["model"])
        if row["model_type"] not in ModelTypeChoices.values:
            raise ValidationError("unknown model type")
        if enabled is None:
            raise ValidationError(
                f"no {row['model_type']} model {label} that {quote(row['credential'])} may use, "
                "in the file or in this database"
            )
        if not enabled:
            raise ValidationError(f"{label} is disabled")
        self.owner_check(row["credential"], provider=row["provider"])
        return row


@sensitive_variables()
def _credential_values_check(config: dict[str, Any], secrets: dict[str, str], secret_names: frozenset[str]) -> None:
    """Secrets only sealed, settings only strings, and no secret the provider does not ask for."""
    if leaked := sorted(secret_names & set(config)):
        raise ValidationError(f"the secret {', '.join(leaked)} must not be in plain 'config'")
    if not all(isinstance(value, str) for value in config.values()):
        raise ValidationError("every value in 'config' must be a string")
    if unknown := sorted(set(secrets) - secret_names):
        raise ValidationError(f"the sealed secrets hold unknown field(s) {', '.join(unknown)}")
