"""Resolve a call (credential and model, or the default model for its type), then prepare it (decrypt the
secret at call time, build the adapter and the transport). Used by ``calls.services``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from access.services import Admission, access_require, quota_admit
from core.cache import catalog
from core.db import release_pooled_connections
from core.errors import (
    ConfigurationError,
    InvalidInput,
    ModelDeskError,
    OperationNotSupported,
)
from core.validators import model_name_problem
from credentials.models import Credential
from credentials.services import credential_secret_values
from providers.models import Provider
from wire.adapters import adapter_for
from wire.adapters.base import Adapter
from wire.async_transport import AsyncTransport
from wire.redaction import Redactor
from wire.retry import RetryPolicy
from wire.transport import CallStats, Transport, redactor
from wire.types import Target, Usage

from .selectors import default_model_get

OPERATION_TYPES = {
    "chat": "llm",
    "chat_stream": "llm",
    "embed": "text-embedding",
    "rerank": "rerank",
    "transcribe": "speech2text",
}


class CredentialNotFound(ModelDeskError):
    def __init__(self, name: str) -> None:
        super().__init__(f"No enabled credential is named {name!r}.")


@dataclass(frozen=True)
class CallInfo:
    provider: str
    model: str
    latency_ms: int
    attempts: int
    ttft_ms: int | None = None
    usage: Usage = field(default_factory=Usage)
    cost: Decimal | None = None  # what the call log priced the call at, in ``currency`` (None: no price)
    currency: str = ""
    warnings: tuple[str, ...] = ()  # quotas past their warning share (``access``), in the active language


def _unredacted(text: str) -> str:
    return text


# The gateway's API key (its id) whose request is being served: the gateway sets it, in the request's context,
# before it resolves the request's calls; each call made there is recorded with it (``CallLog.api_key``).
calling_key: ContextVar[int | None] = ContextVar("calling_key", default=None)


@dataclass
class Call:
    """One resolved call in progress: where it goes, what it has cost so far, and what gets recorded.

    ``stats`` and ``redact`` become the transport's once the call is prepared.
    """

    operation: str
    credential: Credential
    model: str
    user: Any = None
    usage: Usage = field(default_factory=Usage)
    finish_reason: str = ""  # why the reply ended (stop, length, ...), as the provider said it
    context_window: int | None = None  # the model's, where ModelDesk knows it
    # The model's row as the rules read it (None: no row), so that pricing the call needs no second query;
    # ``model_row_read`` says whether it was read at all (chat reads it, other operations do not).
    model_row: Any = None
    model_row_read: bool = False
    cost: Decimal | None = None  # set when the call is recorded
    currency: str = ""
    stats: CallStats = field(default_factory=CallStats)
    redact: Callable[[str], str] = _unredacted
    admission: Admission | None = None  # the quotas the call was reserved against (``call_prepare``)
    api_key: int | None = None  # the gateway key whose request this is (``calling_key``)

    @property
    def provider(self) -> Provider:
        return self.credential.provider

    def info(self) -> CallInfo:
        stats = self.stats
        return CallInfo(
            provider=self.provider.slug,
            model=self.model,
            latency_ms=stats.elapsed_ms(),
            attempts=max(stats.attempts, 1),
            ttft_ms=stats.ttft_ms(),
            usage=self.usage,
            cost=self.cost,
            currency=self.currency,
            warnings=tuple(self.admission.warnings) if self.admission is not None else (),
        )


def credential_resolve(credential: Credential | str) -> Credential:
    """The enabled credential of this name: read once per process until the catalog changes (the gateway names
    one on every request); each caller gets its own copy of the row."""
    if isinstance(credential, Credential):
        return credential

    def load() -> Credential | None:
        return Credential.objects.select_related("provider").filter(name=credential, enabled=True).first()

    found = catalog.get(("credential_by_name", credential), load, keep_none=False)
    if found is None:
        raise CredentialNotFound(credential)
    return copy.copy(found)


def call_resolve(*, operation: str, credential: Credential | str | None, model: str | None, user: Any = None) -> Call:
    """The credential and model for a call: both given, or the default model for the operation's type."""
    model_type = OPERATION_TYPES.get(operation)
    if credential is None or (not model and model_type):
        if model_type is None:
            raise ConfigurationError(f"{operation} needs an explicit credential and model.")
        default = default_model_get(model_type=model_type)
        credential = credential or default.credential
        model = model or default.model.name
    problem = model_name_problem(model or "")
    if problem:
        raise InvalidInput(problem)
    resolved = credential_resolve(credential)
    _require_in_catalog(resolved)
    if not resolved.enabled or not resolved.provider.enabled:
        raise ConfigurationError(f"Credential {resolved.name!r} or its provider is disabled.")
    if model_type and model_type not in resolved.provider.model_types:
        raise OperationNotSupported(resolved.provider.display_name, operation.replace("_", " "))
    real_user = user if isinstance(user, AbstractBaseUser) and not isinstance(user, AnonymousUser) else None
    if model_type:
        access_require(user=real_user, credential=resolved, model=model or "", model_type=model_type)
    return Call(operation=operation, credential=resolved, model=model or "", user=real_user, api_key=calling_key.get())


def _require_in_catalog(credential: Credential) -> None:
    """A provider whose slug has left the catalog has no protocol or schema to call it with."""
    if not credential.provider.in_catalog:
        raise ConfigurationError(
            f"Credential {credential.name!r} belongs to provider {credential.provider.slug!r}, which is no longer "
            "in ModelDesk's catalog."
        )


def base_url_for(credential: Credential) -> str:
    """The credential's own base URL, else its region's, else the provider's (an admin's override or the default)."""
    provider = credential.provider
    regional = provider.quirks.region_base_urls.get(credential.config.get("region", ""))
    url = credential.config.get("base_url") or regional or provider.effective_base_url
    if not url:
        raise ConfigurationError(f"Credential {credential.name!r} has no base URL. Enter one on its admin page.")
    return str(url)


def secret_values(credential: Credential) -> dict[str, str]:
    """The credential's decrypted secrets, kept in this process's memory (never a shared cache) for at most
    ``CACHE_SECRETS_SECONDS``, and dropped at once when a credential changes (``core.cache.catalog``). The key
    holds the ciphertexts, so an unsaved credential being tested, or one whose secrets were just replaced, is
    decrypted afresh."""
    key = ("secrets", credential.pk, tuple(sorted(credential.secrets.items())))
    values = catalog.get(key, lambda: credential_secret_values(credential), ttl=settings.CACHE_SECRETS_SECONDS)
    return dict(values)


def secrets_redactor(credential: Credential, secrets: Mapping[str, str]) -> Redactor:
    """The redactor of the credential's secrets (``wire.redaction``), kept as long as the decrypted secrets are
    (``secret_values``): building one cuts every secret into its fragments, a fortieth of a run's CPU. While it
    is kept, the log hook redacts those secrets from every record, as it does while any call holds them."""
    key = ("redactor", credential.pk, tuple(sorted(credential.secrets.items())))
    return catalog.get(key, lambda: redactor(secrets.values()), ttl=settings.CACHE_SECRETS_SECONDS)


@dataclass(frozen=True)
class PreparedCall:
    """A call ready to send: the adapter speaks the provider's protocol, the transport sends and retries."""

    call: Call
    adapter: Adapter
    transport: Transport


def target_for(credential: Credential, secrets: Mapping[str, str]) -> Target:
    """Where and how to reach the credential's provider; ``secrets`` are the decrypted values (or stand-ins)."""
    spec = credential.provider.spec
    return Target(
        provider_slug=spec.slug,
        provider_name=spec.english_name,
        base_url=base_url_for(credential),
        secrets=secrets,
        config=dict(credential.config),
        quirks=spec.quirks,
    )


def call_prepare(
    call: Call, *, max_attempts: int | None = None, deadline: float | None = None, capture: bool = False
) -> PreparedCall:
    """Decrypt the secrets (now, at call time) and build the adapter and the transport."""
    adapter, policy, secrets = _prepare(call, max_attempts=max_attempts, deadline=deadline)
    transport = Transport(
        policy, redact=secrets_redactor(call.credential, secrets), errors=adapter.response_error, capture=capture
    )
    _admit(call, transport)
    return PreparedCall(call=call, adapter=adapter, transport=transport)


@dataclass(frozen=True)
class AsyncPreparedCall:
    """``PreparedCall`` for the asynchronous path (``calls.aio``): the transport sends on the running loop.

    A protocol whose answers are read again until final (Replicate's predictions: ``polls``) keeps the
    synchronous transport, which ``calls.aio`` runs in a thread.
    """

    call: Call
    adapter: Adapter
    transport: AsyncTransport | Transport

    @property
    def polls(self) -> bool:
        return isinstance(self.transport, Transport)


def call_prepare_async(
    call: Call, *, max_attempts: int | None = None, deadline: float | None = None, capture: bool = False
) -> AsyncPreparedCall:
    """``call_prepare`` for a call sent from a coroutine; it runs where the database may be used (a thread),
    and builds nothing that needs the event loop: the transport takes the loop's client when it first sends."""
    adapter, policy, secrets = _prepare(call, max_attempts=max_attempts, deadline=deadline)
    options: dict[str, Any] = {
        "redact": secrets_redactor(call.credential, secrets),
        "errors": adapter.response_error,
        "capture": capture,
    }
    polls = type(adapter).poll_request is not Adapter.poll_request
    transport = Transport(policy, **options) if polls else AsyncTransport(policy, **options)
    _admit(call, transport)
    return AsyncPreparedCall(call=call, adapter=adapter, transport=transport)


def _prepare(
    call: Call, *, max_attempts: int | None, deadline: float | None
) -> tuple[Adapter, RetryPolicy, dict[str, str]]:
    _require_in_catalog(call.credential)  # again: a connection test prepares its call without resolving it
    secrets = secret_values(call.credential)
    spec = call.provider.spec
    adapter = adapter_for(spec.protocol, target_for(call.credential, secrets))
    policy = RetryPolicy.from_settings(
        max_attempts=max_attempts, deadline=deadline, retry_timeouts=not spec.self_hosted
    )
    return adapter, policy, secrets


def _admit(call: Call, transport: Transport | AsyncTransport) -> None:
    """Tie the transport to the call, and reserve what the call may spend (the quotas: ``access``)."""
    call.stats, call.redact = transport.stats, transport.redact
    if call.operation in OPERATION_TYPES:  # what is spent on a model (a connection test or a model list is not)
        call.admission = quota_admit(user=call.user, credential=call.credential, model=call.model)
    release_pooled_connections()  # the call is sent next: no connection held while the provider thinks
