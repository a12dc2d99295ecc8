"""Applying a checked import plan to the database, in one transaction, changing only what differs."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import transaction
from django.views.decorators.debug import sensitive_variables

from calls.models import DefaultModel
from calls.services import default_model_set
from credentials.models import Credential
from credentials.selectors import credential_needs_reentry
from credentials.services import CredentialNeedsReentry, credential_save, credential_secret_values
from providers.models import ModelOrigin, Provider, ProviderModel
from providers.services import catalog_load

from .checker import CredentialEntry, ImportPlan
from .format import MODEL_DATA, DefaultRecord, ModelRecord, ProviderRecord, model_key

logger = logging.getLogger(__name__)


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
    """Providers first, then models, credentials, and the defaults that name them."""
    providers = {p.slug: p for p in Provider.objects.all()}
    provider_outcomes = [_provider_apply(providers[row["slug"]], row) for row in plan.providers]
    model_outcomes = _models_apply(plan.models, providers)
    credential_outcomes = [_credential_apply(entry, providers[entry.provider]) for entry in plan.credentials]
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


def _models_apply(rows: tuple[ModelRecord, ...], providers: dict[str, Provider]) -> list[str]:
    existing = {(m.provider.slug, m.name, m.model_type): m for m in ProviderModel.objects.select_related("provider")}
    return [_model_apply(row, existing.get(model_key(row)), providers) for row in rows]


def _model_apply(row: ModelRecord, model: ProviderModel | None, providers: dict[str, Provider]) -> str:
    data = {name: value for name, value in row.items() if name in MODEL_DATA}
    if model is None:
        provider = providers[row["provider"]]
        ProviderModel.objects.create(provider=provider, name=row["name"], model_type=row["model_type"], **data)
        return "created"
    # The catalog owns a predefined model: only the admin's enabled flag travels.
    changes = {"enabled": row["enabled"]} if model.origin == ModelOrigin.PREDEFINED else data
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
    model = ProviderModel.objects.get(provider__slug=row["provider"], name=row["model"], model_type=row["model_type"])
    credential = Credential.objects.get(name=row["credential"])
    current = DefaultModel.objects.filter(model_type=row["model_type"]).first()
    if current is not None and (current.model_id, current.credential_id) == (model.pk, credential.pk):
        return "unchanged"
    default_model_set(model=model, credential=credential)
    return "created" if current is None else "updated"
