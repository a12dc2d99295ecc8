"""The gateway's steps that use the database, run in a request thread (``gateway.asgi`` hops to them): the key,
its limits, the route and the order of its deployments, each attempt's start and its settlement.

An attempt that fails because of its deployment (``routes.should_cool``), or that its owner may not make (no
grant for that credential, a quota of it used up), is followed by the next deployment, if there is one; the
others raise at once. Every attempt that reached the service layer is in the call log. A deployment with another
one after it is tried once (``max_attempts=1``): a failure moves on at once rather than waiting out retries; the
last one gets the credential's retry policy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext as _

from calls import aio
from calls.resolve import CredentialNotFound, calling_key, credential_resolve
from calls.services import ChatOutcome
from core.cache import scope as cache_scope
from core.errors import AccessDenied, ConfigurationError, LimitReached, ModelDeskError, OperationNotSupported
from credentials.models import Credential
from wire.types import Usage

from . import health, metrics, routes
from . import openai_format as oai
from .keys import key_owner
from .models import ApiKey

T = TypeVar("T")


def authorized(headers: dict[bytes, bytes]) -> tuple[ApiKey, AbstractBaseUser]:
    """The request's key and its owner: ``Authorization: Bearer md-…``, or ``x-api-key`` (Anthropic's SDK)."""
    bearer = headers.get(b"authorization", b"").decode("latin-1")
    plaintext = bearer[7:].strip() if bearer[:7].lower() == "bearer " else headers.get(b"x-api-key", b"").decode()
    found = key_owner(plaintext) if plaintext else None
    if found is None:
        message = (
            _("Incorrect, expired or revoked API key.")
            if plaintext
            else _("Send an API key: Authorization: Bearer md-…")
        )
        raise oai.RequestError(401, message, code="invalid_api_key")
    return found


@dataclass
class Plan:
    """A request's key, owner and route, and the deployments still to try, in order."""

    key: ApiKey
    owner: AbstractBaseUser
    route: routes.RouteView
    targets: list[routes.Target]
    refusals: list[oai.RequestError] = field(default_factory=list)
    tried: int = 0  # deployments begun

    @property
    def last(self) -> bool:
        return not self.targets

    def refused(self, error: oai.RequestError) -> None:
        self.refusals.append(error)


def plan(headers: dict[bytes, bytes], public_model: str) -> Plan:
    """Authorize, check the key's limits and allow-list, and order the route's deployments."""
    key, owner = authorized(headers)
    if key.allowed_models and public_model not in key.allowed_models:
        message = _("This key may not call %(model)s.") % {"model": public_model}
        raise oai.RequestError(403, message, param="model", code="model_not_allowed")
    route = routes.route_for(public_model)
    if route is None:
        message = _("The model “%(model)s” does not exist: name a route, or credential/model.") % {
            "model": public_model
        }
        raise oai.RequestError(404, message, param="model", code="model_not_found")
    metrics.note_route(route.name)  # a caller with a key: the names it sends are a bounded set
    _within_limits(key)
    cooling = routes.cooling_of(route)
    targets = routes.order(route, cooling)
    if not targets:
        wait = min(c.remaining for c in cooling.values())
        message = _("Every deployment of %(model)s is cooling down after failures; try again in %(seconds)s s.") % {
            "model": public_model,
            "seconds": max(1, round(wait)),
        }
        raise oai.RequestError(503, message, code="no_healthy_deployment", retry_after=wait)
    return Plan(key, owner, route, targets)


def _within_limits(key: ApiKey) -> None:
    store = health.store()
    if key.tpm_limit is not None:
        wait = store.take(f"tpm:{key.pk}", key.tpm_limit, 0)
        if wait is not None:
            message = _("This key's limit of %(limit)s tokens a minute is used up; try again in %(seconds)s s.")
            values = {"limit": key.tpm_limit, "seconds": max(1, round(wait))}
            raise oai.RequestError(429, message % values, code="tokens_per_minute", retry_after=wait)
    if key.rpm_limit is not None:
        wait = store.take(f"rpm:{key.pk}", key.rpm_limit)
        if wait is not None:
            message = _("This key's limit of %(limit)s requests a minute is used up; try again in %(seconds)s s.")
            values = {"limit": key.rpm_limit, "seconds": max(1, round(wait))}
            raise oai.RequestError(429, message % values, code="requests_per_minute", retry_after=wait)


def count_tokens(key: ApiKey, usage: Usage) -> None:
    """A call's tokens, in and out, counted in its key's tokens-a-minute window."""
    if key.tpm_limit is not None and usage.total:
        health.store().add(f"tpm:{key.pk}", usage.total)


def next_target(plan: Plan) -> tuple[routes.Target, Credential]:
    """The next deployment to try and its credential; when none is left, the last refusal is raised."""
    calling_key.set(plan.key.pk)  # the calls begun in this hop are recorded with the key (this hop's context)
    while plan.targets:
        target = plan.targets.pop(0)
        plan.tried += 1
        try:
            return target, credential_resolve(target.credential)
        except CredentialNotFound:
            message = _("The model “%(model)s” does not exist: no credential “%(credential)s”.") % {
                "model": plan.route.name,
                "credential": target.credential,
            }
            plan.refused(oai.RequestError(404, message, param="model", code="model_not_found"))
    raise plan.refusals[-1]  # when every deployment failed: the last failure, which says the most about now


def failed(plan: Plan, target: routes.Target, error: ModelDeskError) -> None:
    """After an attempt failed: cool its deployment down if it is at fault; raise unless another may serve."""
    routes.cool(plan.route, target, error)
    metrics.attempt_failed(plan.route.name, f"{target.credential}/{target.model}", error.error_type)
    # The owner may not use this one, or it is not set up to serve (its provider disabled, the operation not
    # offered there): another deployment may; a request at fault (a bad parameter) is not tried elsewhere.
    elsewhere = (AccessDenied, LimitReached, ConfigurationError, OperationNotSupported)
    passes = isinstance(error, elsewhere) or routes.should_cool(error)
    plan.refused(oai.error_of(error))
    if plan.last or not passes:
        raise plan.refusals[-1]


# --- chat: begun here, sent on the event loop, settled here ---------------------------------------------------
@dataclass
class Begun:
    plan: Plan
    request: oai.ChatRequest
    target: routes.Target
    call: aio.ChatCall | aio.ChatStreamAsync

    def headers(self) -> list[tuple[bytes, bytes]]:
        """Which deployment answered, and after how many tries: for the caller's logs (as LiteLLM's
        ``x-litellm-model-id``)."""
        deployment = f"{self.target.credential}/{self.target.model}".encode()
        return [(b"x-modeldesk-deployment", deployment), (b"x-modeldesk-attempts", str(self.plan.tried).encode())]


def chat_begin(headers: dict[bytes, bytes], body: Any, parse: Callable[[Any], oai.ChatRequest]) -> Begun:
    """Read the request (``parse``: OpenAI's or Anthropic's format), plan it and begin its first attempt."""
    with cache_scope():
        request = parse(body)
        return _begin_next(plan(headers, request.public_model), request)


def _begin_next(plan: Plan, request: oai.ChatRequest) -> Begun:
    begin = aio.stream_begin if request.stream else aio.chat_begin
    while True:
        target, credential = next_target(plan)
        try:
            call = begin(
                messages=request.messages,
                credential=credential,
                model=target.model,
                user=plan.owner,
                max_attempts=None if plan.last else 1,
                **request.sampling,
            )
        except ModelDeskError as error:
            failed(plan, target, error)
            continue
        return Begun(plan, request, target, call)


def settles_on_loop(begun: Begun) -> bool:
    """Whether a call that worked can be recorded from the event loop, without a hop to a thread: its call-log
    row goes to the background writer, no quota counts it, and its key's token window is in memory."""
    call = begun.call.call
    in_memory = not settings.GATEWAY_REDIS_URL or begun.plan.key.tpm_limit is None
    unmetered = call.admission is None or not call.admission.counters
    return begun.call.error is None and settings.CALL_LOG_ASYNC and unmetered and in_memory


def chat_finish(begun: Begun) -> ChatOutcome:
    """A call that worked, recorded (``settles_on_loop``: from the event loop)."""
    call = begun.call
    assert isinstance(call, aio.ChatCall)
    outcome = call.finish()
    count_tokens(begun.plan.key, outcome.info.usage)
    return outcome


def chat_settle(begun: Begun) -> ChatOutcome | Begun:
    """A sent chat call recorded: its outcome, or the next attempt begun after a failure."""
    with cache_scope():
        call = begun.call
        assert isinstance(call, aio.ChatCall)
        try:
            outcome = call.finish()
        except ModelDeskError as error:
            failed(begun.plan, begun.target, error)
            return _begin_next(begun.plan, begun.request)
        count_tokens(begun.plan.key, outcome.info.usage)
        return outcome


def stream_failed(begun: Begun, error: ModelDeskError) -> Begun:
    """A stream that failed before its first token, recorded: the next attempt begun, or the error raised."""
    with cache_scope():
        assert isinstance(begun.call, aio.ChatStreamAsync)
        begun.call.finish()
        failed(begun.plan, begun.target, error)
        return _begin_next(begun.plan, begun.request)


def stream_finish(begun: Begun) -> None:
    """A stream recorded: its error, a stop, or its success (``settles_on_loop``: callable from the loop)."""
    with cache_scope():
        assert isinstance(begun.call, aio.ChatStreamAsync)
        begun.call.finish()
        count_tokens(begun.plan.key, begun.call.call.usage)


# --- the other operations: sent from the request thread by the synchronous service layer ----------------------
def each_target(plan: Plan, send: Callable[[Credential, str, int | None], T]) -> T:
    """``send(credential, model, max_attempts)`` to the plan's deployments in turn until one answers."""
    while True:
        target, credential = next_target(plan)
        try:
            return send(credential, target.model, None if plan.last else 1)
        except ModelDeskError as error:
            failed(plan, target, error)
