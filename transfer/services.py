"""Export and import of the configuration: providers' admin state, models, credentials and default models.

Secrets travel only on request, sealed with AES-256-GCM under a key derived from a passphrase with scrypt. They
leave the database only through ``credential_secret_values`` and enter it only through ``credential_save``.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from calls.models import DefaultModel
from calls.services import default_model_set
from core.errors import ModelDeskError
from credentials.models import Credential
from credentials.schema import clean_values, validate_http_url
from credentials.selectors import credential_needs_reentry
from credentials.services import CredentialNeedsReentry, credential_save, credential_secret_values
from providers.models import ModelOrigin, ModelTypeChoices, Provider, ProviderModel
from providers.services import catalog_load

logger = logging.getLogger(__name__)
_T = TypeVar("_T")

FORMAT = "modeldesk-config"
VERSION = 1
MIN_PASSPHRASE_LENGTH = 12
_AAD = b"modeldesk-config-v1"
_SCRYPT = {"n": 2**15, "r": 8, "p": 1}
_SCRYPT_MAX_MEMORY = 2**27  # 128 * n * r * p bytes: a crafted file must not make us allocate more
_MAX_PROBLEMS_SHOWN = 10

_STR, _BOOL, _INT, _NUM = (str,), (bool,), (int, type(None)), (int, float, type(None))
_BOUNDS = ("min", "max", "default")
# The fields of each kind of record and the JSON types each accepts. Every field is required.
RECORDS: dict[str, dict[str, tuple[type, ...]]] = {
    "providers": {"slug": _STR, "enabled": _BOOL, "base_url": _STR},
    "models": {
        **{"provider": _STR, "name": _STR, "model_type": _STR, "display_name": _STR},
        **{"context_window": _INT, "max_output_tokens": _INT},
        **{f"supports_{what}": _BOOL for what in ("vision", "tool_call", "json_mode", "streaming")},
        **{f"{p}_{b}": _INT if p == "max_tokens" else _NUM for p in ProviderModel.PARAMETERS for b in _BOUNDS},
        **{"enabled": _BOOL, "origin": _STR},
    },
    "credentials": {"name": _STR, "provider": _STR, "enabled": _BOOL, "config": (dict,)},
    "defaults": {"model_type": _STR, "provider": _STR, "model": _STR, "credential": _STR},
}
_MODEL_DATA = tuple(name for name in RECORDS["models"] if name not in ("provider", "name", "model_type"))


class ConfigFileError(ModelDeskError):
    """The file cannot be imported as it stands. Nothing was written; the message says what is wrong."""


class PassphraseRejected(ModelDeskError):
    """A passphrase too short to protect secrets."""


@dataclass(frozen=True)
class ConfigExport:
    data: dict[str, Any]
    without_secrets: tuple[str, ...]  # credentials exported without their unreadable secrets: they need re-entry


@dataclass(frozen=True)
class CredentialEntry:
    name: str
    provider: str
    enabled: bool
    config: dict[str, str]
    secrets: dict[str, str] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class ImportPlan:
    """A checked file, as plain data; ``config_import`` resolves it against the database."""

    providers: tuple[dict[str, Any], ...]
    models: tuple[dict[str, Any], ...]
    credentials: tuple[CredentialEntry, ...]
    defaults: tuple[dict[str, Any], ...]


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


def validation_reason(exc: ValidationError) -> str:
    """A ``ValidationError`` on one line: ``field: message; field: message``."""
    if hasattr(exc, "error_dict"):
        return "; ".join(
            " ".join(messages) if name == "__all__" else f"{name}: {' '.join(messages)}"
            for name, messages in exc.message_dict.items()
        )
    return " ".join(exc.messages)


def passphrase_check(passphrase: str | None) -> str:
    if passphrase is None or len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise PassphraseRejected(f"The passphrase must be at least {MIN_PASSPHRASE_LENGTH} characters long.")
    return passphrase


# --- Export ----------------------------------------------------------------------------------------------------


def config_export(*, with_secrets: bool, passphrase: str | None) -> ConfigExport:
    """Everything admins configured, as JSON-ready data; secrets only ``with_secrets``, sealed by the passphrase.

    Raises ``PassphraseRejected``. A credential whose secrets cannot be read is exported without them.
    """
    key = passphrase_check(passphrase) if with_secrets else None
    credentials = list(Credential.objects.select_related("provider").order_by("name"))
    defaults = DefaultModel.objects.select_related("model__provider", "credential")
    data: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": timezone.now().isoformat(),
        "providers": [{"slug": p.slug, "enabled": p.enabled, "base_url": p.base_url} for p in Provider.objects.all()],
        "models": [_model_record(model) for model in ProviderModel.objects.select_related("provider")],
        "credentials": [
            {"name": c.name, "provider": c.provider.slug, "enabled": c.enabled, "config": c.config} for c in credentials
        ],
        "defaults": [
            {"model_type": d.model_type, "provider": d.model.provider.slug, "model": d.model.name}
            | {"credential": d.credential.name}
            for d in defaults
        ],
        "secrets": None,
    }
    unreadable: list[str] = []
    if key is not None:
        data["secrets"] = _secrets_seal(_secrets_collect(credentials, unreadable), key)
    return ConfigExport(data=data, without_secrets=tuple(unreadable))


def _model_record(model: ProviderModel) -> dict[str, Any]:
    return {"provider": model.provider.slug, "name": model.name, "model_type": model.model_type} | {
        name: getattr(model, name) for name in _MODEL_DATA
    }


@sensitive_variables()
def _secrets_collect(credentials: list[Credential], unreadable: list[str]) -> dict[str, dict[str, str]]:
    secrets: dict[str, dict[str, str]] = {}
    for credential in credentials:
        try:
            values = credential_secret_values(credential)
        except CredentialNeedsReentry:
            unreadable.append(credential.name)
            continue
        if values:
            secrets[credential.name] = values
    return secrets


@sensitive_variables()
def _derive(passphrase: str, salt: bytes, *, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode())


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


@sensitive_variables()
def _secrets_seal(secrets: dict[str, dict[str, str]], passphrase: str) -> dict[str, Any]:
    salt, nonce = os.urandom(16), os.urandom(12)
    sealed = AESGCM(_derive(passphrase, salt, **_SCRYPT)).encrypt(nonce, json.dumps(secrets).encode(), _AAD)
    return {"kdf": "scrypt", **_SCRYPT, "salt": _b64(salt), "nonce": _b64(nonce), "ciphertext": _b64(sealed)}


@sensitive_variables()
def _secrets_open(blob: dict[str, Any], passphrase: str) -> dict[str, dict[str, str]]:
    """The ``{credential: {field: plaintext}}`` map sealed in ``blob``. Raises ``ConfigFileError``."""
    try:
        n, r, p = (blob[name] for name in ("n", "r", "p"))
        salt, nonce, sealed = (base64.b64decode(blob[name], validate=True) for name in ("salt", "nonce", "ciphertext"))
        sane = blob["kdf"] == "scrypt" and all(type(v) is int and v > 0 for v in (n, r, p)) and len(nonce) == 12
    except (KeyError, TypeError, binascii.Error, ValueError):
        sane = False
    if not sane or n < 2 or n & (n - 1) or 128 * n * r * p > _SCRYPT_MAX_MEMORY:
        raise ConfigFileError("The 'secrets' block is malformed.")
    try:
        secrets = json.loads(AESGCM(_derive(passphrase, salt, n=n, r=r, p=p)).decrypt(nonce, sealed, _AAD))
    except (InvalidTag, ValueError):
        raise ConfigFileError("Wrong passphrase, or the secrets were altered.") from None
    if not isinstance(secrets, dict) or not all(
        isinstance(values, dict) and all(isinstance(v, str) for v in values.values()) for values in secrets.values()
    ):
        raise ConfigFileError("The decrypted secrets are malformed.")
    return secrets


# --- Import: check everything first ----------------------------------------------------------------------------


@sensitive_variables()
def config_import_plan(data: Any, *, passphrase: str | None, skip_secrets: bool) -> ImportPlan:
    """Check the whole file against the catalog, the database and itself; write nothing.

    Raises ``ConfigFileError`` naming the problems found, on one line. An empty database gets the code catalog
    loaded for the check only, in a savepoint that is rolled back (``config_import`` loads it for real).
    """
    records = _records_all(data)
    secrets: dict[str, dict[str, str]] = {}
    if data.get("secrets") is not None and not skip_secrets:
        if passphrase is None:
            raise ConfigFileError(
                "The file carries encrypted secrets but no passphrase was given; import without secrets to skip them."
            )
        secrets = _secrets_open(data["secrets"], passphrase)
    with transaction.atomic():  # rolled back: the check writes nothing, not even the catalog it may load
        if not Provider.objects.exists():
            catalog_load()
        try:
            return _Checker(records).plan(secrets)
        finally:
            transaction.set_rollback(True)


def _problems_error(problems: list[str]) -> ConfigFileError:
    shown = "; ".join(problems[:_MAX_PROBLEMS_SHOWN])
    if len(problems) > _MAX_PROBLEMS_SHOWN:
        shown += f"; and {len(problems) - _MAX_PROBLEMS_SHOWN} more"
    return ConfigFileError(" ".join(f"The file cannot be imported: {shown}.".split()))


def _q(value: Any) -> str:
    """A value from the file, quoted and cut short for a message."""
    return repr(value[:60] + "…" if isinstance(value, str) and len(value) > 60 else value)


def _records_all(data: Any) -> dict[str, list[dict[str, Any]]]:
    """The records of each kind, once every field is present and of the right JSON type."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ConfigFileError(f'This is not a ModelDesk configuration file: "format" is not "{FORMAT}".')
    if data.get("version") != VERSION:
        raise ConfigFileError(f"Unsupported version {_q(data.get('version'))}: this ModelDesk reads version {VERSION}.")
    known = {"format", "version", "exported_at", "secrets", *RECORDS}
    problems = [f"unknown key {_q(key)}" for key in data if key not in known]
    if not isinstance(data.get("exported_at", ""), str):
        problems.append("'exported_at' must be a string")
    if not isinstance(data.get("secrets"), dict | None):
        problems.append("'secrets' must be null or an object")
    records = {kind: _records(kind, data.get(kind), problems) for kind in RECORDS}
    if problems:
        raise _problems_error(problems)
    return records


def _records(kind: str, rows: Any, problems: list[str]) -> list[dict[str, Any]]:
    if not isinstance(rows, list):
        problems.append(f"'{kind}' must be a list")
        return []
    spec = RECORDS[kind]
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            problems.append(f"{kind}[{index}] must be an object")
        elif missing := [name for name in spec if name not in row]:
            problems.append(f"{kind}[{index}]: missing {', '.join(missing)}")
        elif unknown := [_q(name) for name in row if name not in spec]:
            problems.append(f"{kind}[{index}]: unknown field(s) {', '.join(unknown)}")
        elif wrong := [name for name, types in spec.items() if not _is(row[name], types)]:
            problems.append(f"{kind}[{index}]: wrong type for {', '.join(wrong)}")
    return rows


def _is(value: Any, types: tuple[type, ...]) -> bool:
    return isinstance(value, types) and (bool in types or not isinstance(value, bool))


def _model_key(row: dict[str, Any]) -> tuple[str, str, str]:
    return row["provider"], row["name"], row["model_type"]


class _Checker:
    """Checks well-formed records against the database and each other, collecting every problem.

    Each check returns the record as it will be applied, or raises ``ValidationError``.
    """

    def __init__(self, records: dict[str, list[dict[str, Any]]]) -> None:
        self.records = records
        self.problems: list[str] = []
        self.providers = {p.slug: p for p in Provider.objects.all()}  # this checker's own copies
        self.credentials = {c.name: c for c in Credential.objects.select_related("provider")}
        columns = ("provider__slug", "name", "model_type", "enabled", "origin")
        self.models = {r[:3]: {"enabled": r[3], "origin": r[4]} for r in ProviderModel.objects.values_list(*columns)}
        # What defaults may name once the file is applied.
        self.models_after = self.models | {_model_key(row): row for row in records["models"]}
        self.owners_after = {c.name: c.provider.slug for c in self.credentials.values()} | {
            row["name"]: row["provider"] for row in records["credentials"]
        }

    def plan(self, secrets: dict[str, dict[str, str]]) -> ImportPlan:
        self.duplicates()
        names = {row["name"] for row in self.records["credentials"]}
        self.problems += [f"secrets for {_q(name)}, not in 'credentials'" for name in secrets if name not in names]
        providers = [self.check(f"provider {_q(r['slug'])}", self.provider, r) for r in self.records["providers"]]
        models = [self.check(f"model {_q('/'.join(_model_key(r)))}", self.model, r) for r in self.records["models"]]
        credentials = [
            self.check(f"credential {_q(r['name'])}", self.credential, r, secrets.get(r["name"], {}))
            for r in self.records["credentials"]
        ]
        defaults = [self.check(f"default {_q(r['model_type'])}", self.default, r) for r in self.records["defaults"]]
        if self.problems:
            raise _problems_error(self.problems)
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
        keys = {"providers": ("slug",), "models": ("provider", "name", "model_type"), "credentials": ("name",)}
        for kind, key in (*keys.items(), ("defaults", ("model_type",))):
            seen = Counter("/".join(row[name] for name in key) for row in self.records[kind])
            self.problems += [f"{kind}: {_q(k)} appears {n} times" for k, n in seen.items() if n > 1]

    def provider(self, row: dict[str, Any]) -> dict[str, Any]:
        provider = self.providers.get(row["slug"])
        if provider is None:
            raise ValidationError("unknown provider, not in this ModelDesk's catalog")
        provider.base_url = row["base_url"].strip()
        provider.clean_fields()
        if provider.base_url:
            validate_http_url(provider.base_url)
        return row | {"base_url": provider.base_url}

    def model(self, row: dict[str, Any]) -> dict[str, Any]:
        provider = self.providers.get(row["provider"])
        if provider is None:
            raise ValidationError(f"unknown provider {_q(row['provider'])}")
        if self.models.get(_model_key(row), {}).get("origin") != ModelOrigin.PREDEFINED:  # else only `enabled` travels
            model = ProviderModel(provider=provider, **{name: row[name] for name in row if name != "provider"})
            model.clean_fields(exclude=["provider"])
            model.clean()
        return row

    @sensitive_variables()
    def credential(self, row: dict[str, Any], secrets: dict[str, str]) -> CredentialEntry:
        """Messages name fields, never values."""
        provider, current = self.providers.get(row["provider"]), self.credentials.get(row["name"])
        if provider is None:
            raise ValidationError(f"unknown provider {_q(row['provider'])}")
        if current is not None and current.provider_id != provider.pk:
            raise ValidationError(f"exists here for provider {current.provider.slug}, not {provider.slug}")
        secret_names = frozenset(provider.secret_field_names())
        config: dict[str, Any] = row["config"]
        if leaked := sorted(secret_names & set(config)):
            raise ValidationError(f"the secret {', '.join(leaked)} must not be in plain 'config'")
        if not all(isinstance(value, str) for value in config.values()):
            raise ValidationError("every value in 'config' must be a string")
        if unknown := sorted(set(secrets) - secret_names):
            raise ValidationError(f"the sealed secrets hold unknown field(s) {', '.join(unknown)}")
        # Required secrets the file does not carry at all are fine: the credential then needs re-entry. Secrets it
        # does carry must, with those stored, satisfy the schema, as ``credential_save`` will check.
        stored = frozenset(current.secrets if current else ()) if secrets else secret_names
        Credential(provider=provider, name=row["name"]).clean_fields(exclude=["provider", "config", "secrets"])
        cleaned = clean_values(provider.credential_schema, {**config, **secrets}, stored_secrets=stored)
        return CredentialEntry(
            name=row["name"],
            provider=provider.slug,
            enabled=row["enabled"],
            config={name: value for name, value in cleaned.items() if name not in secret_names},
            secrets={name: value for name, value in cleaned.items() if name in secret_names},
        )

    def default(self, row: dict[str, Any]) -> dict[str, Any]:
        """The rules of ``DefaultModel.clean``, against the models and credentials there will be."""
        model = self.models_after.get((row["provider"], row["model"], row["model_type"]))
        owner = self.owners_after.get(row["credential"])
        label = _q(row["provider"] + "/" + row["model"])
        if row["model_type"] not in ModelTypeChoices.values:
            raise ValidationError("unknown model type")
        if model is None:
            raise ValidationError(f"no {row['model_type']} model {label} in the file or in this database")
        if not model["enabled"]:
            raise ValidationError(f"{label} is disabled")
        if owner is None:
            raise ValidationError(f"unknown credential {_q(row['credential'])}")
        if owner != row["provider"]:
            raise ValidationError(
                f"credential {_q(row['credential'])} belongs to {owner}, but the model is served by {row['provider']}"
            )
        return row


# --- Import: apply ---------------------------------------------------------------------------------------------


def config_import(plan: ImportPlan, *, dry_run: bool) -> ImportReport:
    """Apply a checked plan in one transaction. Idempotent; ``dry_run`` rolls everything back and only reports."""
    with transaction.atomic():
        catalog_loaded = not Provider.objects.exists()
        if catalog_loaded:
            catalog_load()
        providers = {p.slug: p for p in Provider.objects.all()}
        counts = {
            "providers": Counter(_provider_apply(providers[row["slug"]], row) for row in plan.providers),
            "models": Counter(_models_apply(plan.models, providers)),
        }
        outcomes = [_credential_apply(entry, providers[entry.provider]) for entry in plan.credentials]
        counts["credentials"] = Counter(outcome for outcome, _ in outcomes)
        counts["defaults"] = Counter(_default_apply(row) for row in plan.defaults)
        imported = Credential.objects.select_related("provider").filter(name__in=[e.name for e in plan.credentials])
        needs_reentry = tuple(credential.name for credential in imported if credential_needs_reentry(credential))
        if dry_run:
            transaction.set_rollback(True)
    report = ImportReport(
        **{kind: Counts(**counter) for kind, counter in counts.items()},
        secrets=sum(written for _, written in outcomes),
        needs_reentry=needs_reentry,
        catalog_loaded=catalog_loaded,
        dry_run=dry_run,
    )
    logger.info("configuration imported%s: %s", " (dry run)" if dry_run else "", report)
    return report


def _assign(instance: Provider | ProviderModel, values: dict[str, Any]) -> bool:
    """Set and save the fields that differ; whether there were any."""
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, values[name])
    if changed:
        instance.save(update_fields=[*changed, *(["updated_at"] if isinstance(instance, ProviderModel) else [])])
    return bool(changed)


def _provider_apply(provider: Provider, row: dict[str, Any]) -> str:
    return "updated" if _assign(provider, {"enabled": row["enabled"], "base_url": row["base_url"]}) else "unchanged"


def _models_apply(rows: tuple[dict[str, Any], ...], providers: dict[str, Provider]) -> list[str]:
    existing = {(m.provider.slug, m.name, m.model_type): m for m in ProviderModel.objects.select_related("provider")}
    outcomes = []
    for row in rows:
        data = {name: row[name] for name in _MODEL_DATA}
        model = existing.get(_model_key(row))
        if model is None:
            provider = providers[row["provider"]]
            ProviderModel.objects.create(provider=provider, name=row["name"], model_type=row["model_type"], **data)
            outcomes.append("created")
            continue
        # The catalog owns a predefined model: only the admin's enabled flag travels.
        changes = {"enabled": row["enabled"]} if model.origin == ModelOrigin.PREDEFINED else data
        outcomes.append("updated" if _assign(model, changes) else "unchanged")
    return outcomes


@sensitive_variables()
def _credential_apply(entry: CredentialEntry, provider: Provider) -> tuple[str, int]:
    """Create or update one credential by name; the outcome and how many secret values were written."""
    existing = Credential.objects.select_related("provider").filter(name=entry.name).first()
    secrets = {} if existing is not None and _secrets_stored(existing, entry.secrets) else entry.secrets
    if existing is not None and not secrets and (existing.config, existing.enabled) == (entry.config, entry.enabled):
        return "unchanged", 0
    required = {spec["name"] for spec in provider.credential_schema if spec.get("secret") and spec.get("required")}
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


def _default_apply(row: dict[str, Any]) -> str:
    model = ProviderModel.objects.get(provider__slug=row["provider"], name=row["model"], model_type=row["model_type"])
    credential = Credential.objects.get(name=row["credential"])
    current = DefaultModel.objects.filter(model_type=row["model_type"]).first()
    if current is not None and (current.model_id, current.credential_id) == (model.pk, credential.pk):
        return "unchanged"
    default_model_set(model=model, credential=credential)
    return "created" if current is None else "updated"
