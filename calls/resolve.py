"""Plumbing for the call services: resolve credential and model, build the target, record the call.

Used only by ``providers.services``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from core.errors import (
    ConfigurationError,
    InternalError,
    InvalidInput,
    ModelDeskError,
    OperationNotSupported,
    ProviderError,
)
from core.validators import model_name_problem
from credentials.models import Credential
from credentials.services import credential_secret_values
from wire.adapters import adapter_for
from wire.adapters.base import Adapter
from wire.redaction import escape_control
from wire.retry import RetryPolicy
from wire.transport import CallStats, Transport, redactor
from wire.types import Target, Usage

from . import call_log
from .models import CallLog, CallStatus, Provider
from .selectors import default_model_get

logger = logging.getLogger("providers.calls")

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


@dataclass
class Call:
    """One resolved call in progress: where it goes, how it is sent, and what gets recorded."""

    operation: str
    credential: Credential
    model: str
    user: Any = None
    adapter: Adapter | None = None
    transport: Transport | None = None
    usage: Usage = field(default_factory=Usage)

    @property
    def provider(self) -> Provider:
        return self.credential.provider

    @property
    def stats(self) -> CallStats:
        return self.transport.stats if self.transport else CallStats()

    def info(self) -> CallInfo:
        stats = self.stats
        return CallInfo(
            provider=self.provider.slug,
            model=self.model,
            latency_ms=stats.elapsed_ms(),
            attempts=max(stats.attempts, 1),
            ttft_ms=stats.ttft_ms(),
            usage=self.usage,
        )


def credential_resolve(credential: Credential | str) -> Credential:
    if isinstance(credential, Credential):
        return credential
    found = Credential.objects.select_related("provider").filter(name=credential, enabled=True).first()
    if found is None:
        raise CredentialNotFound(credential)
    return found


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
    if not resolved.enabled or not resolved.provider.enabled:
        raise ConfigurationError(f"Credential {resolved.name!r} or its provider is disabled.")
    if model_type and model_type not in resolved.provider.model_types:
        raise OperationNotSupported(resolved.provider.display_name, operation.replace("_", " "))
    real_user = user if isinstance(user, AbstractBaseUser) and not isinstance(user, AnonymousUser) else None
    return Call(operation=operation, credential=resolved, model=model or "", user=real_user)


def base_url_for(credential: Credential) -> str:
    provider = credential.provider
    region = credential.config.get("region")
    regional = (provider.quirks.get("region_base_urls") or {}).get(region or "")
    url = credential.config.get("base_url") or regional or provider.effective_base_url
    if not url:
        raise ConfigurationError(f"Credential {credential.name!r} has no base URL. Enter one on its admin page.")
    return str(url)


def call_prepare(call: Call, *, max_attempts: int | None = None, deadline: float | None = None) -> Call:
    """Decrypt the secrets (now, at call time) and build the adapter and the transport."""
    secrets = credential_secret_values(call.credential)
    target = Target(
        provider_slug=call.provider.slug,
        provider_name=call.provider.name_en,
        base_url=base_url_for(call.credential),
        secrets=secrets,
        config=dict(call.credential.config),
        quirks=dict(call.provider.quirks),
    )
    call.adapter = adapter_for(call.provider.protocol, target)
    policy = RetryPolicy.from_settings(max_attempts=max_attempts, deadline=deadline)
    call.transport = Transport(policy, redact=redactor(secrets.values()))
    return call


def call_record(call: Call, error: BaseException | None = None) -> CallLog:
    info = call.info()
    message = ""
    error_type = ""
    if isinstance(error, ProviderError):
        error.with_context(provider=call.provider.name_en, model=call.model)
        error_type, message = error.error_type, str(error)
    elif error is not None:
        error_type, message = getattr(error, "error_type", "configuration"), str(error)
    if call.transport is not None:
        message = call.transport.redact(message)
    row = CallLog(
        user_id=call.user.pk if call.user is not None else None,
        provider_id=call.credential.provider_id,
        credential_id=call.credential.pk,
        model=escape_control(call.model)[:200],
        operation=call.operation,
        status=CallStatus.ERROR if error else CallStatus.OK,
        error_type=error_type,
        message=message,
        attempts=info.attempts,
        latency_ms=info.latency_ms,
        ttft_ms=info.ttft_ms,
        tokens_in=info.usage.input_tokens,
        tokens_out=info.usage.output_tokens,
    )
    call_log.write(row)
    log = logger.warning if error else logger.info
    log(
        "%s %s/%s %s in %d ms, %d attempt(s)%s",
        call.operation,
        call.provider.slug,
        call.model,
        row.status,
        info.latency_ms,
        info.attempts,
        f": {message}" if message else "",
    )
    return row


class StreamCancelled(ModelDeskError):
    error_type = "cancelled"

    def __init__(self) -> None:
        super().__init__("The reader stopped reading before the stream ended.")


@contextmanager
def recorded(call: Call, *, success: bool = True) -> Iterator[Call]:
    """Record the call when the block ends; typed errors propagate, and so does any other, as ``InternalError``.

    ``success=False`` records failures only: a stream being prepared records its success when it has ended.
    """
    try:
        yield call
    except ModelDeskError as error:
        call_record(call, error)
        raise
    except GeneratorExit:  # a stream abandoned by its reader (client disconnected)
        call_record(call, StreamCancelled())
        raise
    except Exception as exc:  # a bug or an unexpected answer: still a recorded, typed failure
        logger.exception("unexpected error in %s %s/%s", call.operation, call.provider.slug, call.model)
        internal = InternalError(exc)
        call_record(call, internal)
        raise internal from None
    if success:
        call_record(call)
