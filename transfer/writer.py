"""Applying a checked import plan to the database, in one transaction, changing only what differs."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.views.decorators.debug import sensitive_variables

from calls.models import DefaultModel
from calls.services import default_model_set
from credentials.models import Credential
from credentials.selectors import credential_needs_reentry
from credentials.services import CredentialNeedsReentry, credential_save, credential_secret_values
from providers.models import ModelOrigin, Provider, ProviderModel
from providers.services import catalog_load

from .checker import CredentialEntry, ImportPlan, ModelEntry
from .format import DefaultRecord, ModelKey, ProviderRecord

logger = logging.getLogger(__name__)

# What an admin owns of a predefined model (as ``ProviderModelAdmin`` lets them edit it); ``catalog_load`` writes
# the rest on every load.
PREDEFINED_ADMIN_FIELDS = frozenset({"enabled", "input_price", "output_price", "cached_input_price", "price_currency"})


@dataclass(frozen=True)
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class ImportReport:
    providers: Counts
    models: Counts
    credentials: Counts
    defaults: Counts
    secrets: int  # secret values written
    needs_reentry: tuple[str, ...]  # imported credentials still lacking a readable required secret
    catalog_loaded: bool  # the database was empty, so the code catalog was loaded first
    dry_run: bool


def config_import(plan: ImportPlan, *, dry_run: bool) -> ImportReport:
    """Apply a checked plan in one transaction. Idempotent; ``dry_run`` rolls everything back and only reports."""
    with transaction.atomic():
        catalog_loaded = not Provider.objects.exists()
        if catalog_loaded:
            catalog_load()
        report = _plan_apply(plan, catalog_loaded=catalog_loaded, dry_run=dry_run)
        if dry_run:
            transaction.set_rollback(True)
    logger.info("configuration imported%s: %s", " (dry run)" if dry_run else "", report)
    return report


def _plan_apply(plan: ImportPlan, *, catalog_loaded: bool, dry_run: bool) -> ImportReport:
    """Providers first, then credentials, the models that may belong to them, and the defaults that name both."""
    providers = {p.slug: p for p in Provider.objects.all()}
    provider_outcomes = [_provider_apply(providers[row["slug"]], row) for row in plan.providers]
    credential_outcomes = [_credential_apply(entry, providers[entry.provider]) for entry in plan.credentials]
    model_outcomes = _models_apply(plan.models, providers)
    default_outcomes = [_default_apply(row) for row in plan.defaults]
    return ImportReport(
        providers=_counts(provider_outcomes),
        models=_counts(model_outcomes),
        credentials=_counts(outcome for outcome, _ in credential_outcomes),
        defaults=_counts(default_outcomes),
        secrets=sum(written for _, written in credential_outcomes),
        needs_reentry=_needs_reentry(plan.credentials),
        catalog_loaded=catalog_loaded,
        dry_run=dry_run,
    )


def _counts(outcomes: Iterable[str]) -> Counts:
    return Counts(**Counter(outcomes))


def _needs_reentry(entries: tuple[CredentialEntry, ...]) -> tuple[str, ...]:
    imported = Credential.objects.select_related("provider").filter(name__in=[entry.name for entry in entries])
    return tuple(credential.name for credential in imported if credential_needs_reentry(credential))


def _assign(instance: Provider | ProviderModel, values: Mapping[str, object]) -> bool:
    """Set and save the fields that differ; whether there were any."""
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, values[name])
    if changed:
        instance.save(update_fields=[*changed, *(["updated_at"] if isinstance(instance, ProviderModel) else [])])
    return bool(changed)


def _provider_apply(provider: Provider, row: ProviderRecord) -> str:
    return "updated" if _assign(provider, {"enabled": row["enabled"], "base_url": row["base_url"]}) else "unchanged"


def _models_apply(entries: tuple[ModelEntry, ...], providers: dict[str, Provider]) -> list[str]:
    existing = {_model_key(m): m for m in ProviderModel.objects.select_related("provider", "credential")}
    owners = {c.name: c for c in Credential.objects.filter(name__in={e.credential for e in entries if e.credential})}
    return [_model_apply(entry, existing.get(entry.key), providers, owners) for entry in entries]


def _model_key(model: ProviderModel) -> ModelKey:
    owner = model.credential.name if model.credential is not None else None
    return model.provider.slug, model.name, model.model_type, owner


def _model_apply(
    entry: ModelEntry, model: ProviderModel | None, providers: dict[str, Provider], owners: dict[str, Credential]
) -> str:
    if model is None:
        ProviderModel.objects.create(
            provider=providers[entry.provider],
            credential=owners[entry.credential] if entry.credential is not None else None,
            name=entry.name,
            model_type=entry.model_type,
            **entry.values,
        )
        return "created"
    # The catalog owns the rest of a predefined model.
    predefined = model.origin == ModelOrigin.PREDEFINED
    changes = {k: v for k, v in entry.values.items() if k in PREDEFINED_ADMIN_FIELDS} if predefined else entry.values
    return "updated" if _assign(model, changes) else "unchanged"


@sensitive_variables()
def _credential_apply(entry: CredentialEntry, provider: Provider) -> tuple[str, int]:
    """Create or update one credential by name; the outcome and how many secret values were written.

    Secrets enter the database only through ``credential_save``.
    """
    existing = Credential.objects.select_related("provider").filter(name=entry.name).first()
    secrets = {} if existing is not None and _secrets_stored(existing, entry.secrets) else entry.secrets
    if existing is not None and not secrets and (existing.config, existing.enabled) == (entry.config, entry.enabled):
        return "unchanged", 0
    required = {field.name for field in provider.credential_schema if field.secret and field.required}
    if required <= {*(existing.secrets if existing else ()), *secrets}:
        values = {**entry.config, **secrets}
        credential_save(provider=provider, name=entry.name, values=values, credential=existing, enabled=entry.enabled)
    else:
        _credential_save_unkeyed(entry, provider, existing)
    return ("created" if existing is None else "updated"), len(secrets)


@sensitive_variables()
def _secrets_stored(credential: Credential, secrets: dict[str, str]) -> bool:
    """Whether the credential already holds these values, so that nothing is re-encrypted."""
    if not secrets:
        return True
    try:
        current = credential_secret_values(credential)
    except CredentialNeedsReentry:
        return False
    return all(current.get(name) == value for name, value in secrets.items())


def _credential_save_unkeyed(entry: CredentialEntry, provider: Provider, existing: Credential | None) -> None:
    """Save a credential that lacks a required secret, which ``credential_save`` refuses; it needs re-entry.

    The settings were checked against the schema in the plan, and no secret is touched.
    """
    credential = existing or Credential(provider=provider)
    credential.name, credential.config, credential.enabled = entry.name, entry.config, entry.enabled
    credential.full_clean(exclude=["provider", "config", "secrets"])
    credential.save()


def _default_apply(row: DefaultRecord) -> str:
    """The model is the credential's own of that name and type if it has one, else the provider-wide one."""
    credential = Credential.objects.get(name=row["credential"])
    candidates = ProviderModel.objects.filter(
        Q(credential=credential) | Q(credential__isnull=True),
        provider__slug=row["provider"],
        name=row["model"],
        model_type=row["model_type"],
    )
    model = max(candidates, key=lambda candidate: candidate.credential_id is not None)
    current = DefaultModel.objects.filter(model_type=row["model_type"]).first()
    if current is not None and (current.model_id, current.credential_id) == (model.pk, credential.pk):
        return "unchanged"
    default_model_set(model=model, credential=credential)
    return "created" if current is None else "updated"
