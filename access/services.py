"""Decide before a call whether its caller may make it, and account for it after.

``access_require`` checks the grants (``AccessDenied``). ``quota_admit`` reserves the call against every quota
that counts it, all or nothing (``LimitReached`` names the limit, its use and when it resets); the ``Admission``
it returns takes the call's tokens and cost once it has ended (``settle``). A call with no user (a command run
without ``--user``, the operator's own) needs no grant and counts only against shared quotas.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from core.errors import AccessDenied, ConfigurationError, LimitReached

from .counters import Counter, store
from .models import Metric, Window
from .money import quantity_label, used_label
from .selectors import QuotaRule, allowance, quotas_for
from .windows import window_end, window_start, zone

logger = logging.getLogger(__name__)


def _english(build: Callable[[], str]) -> str:
    with translation.override("en"):
        return build()


def _refusal(kind: type[AccessDenied] | type[LimitReached], build: Callable[[], str], **facts: Any) -> Any:
    return kind(_english(build), build, **facts)


# --- grants ----------------------------------------------------------------------------------------------------
_operator: ContextVar[bool] = ContextVar("access_operator", default=False)


@contextmanager
def as_operator() -> Iterator[None]:
    """Calls made inside are the operator's (a command run from a terminal without ``--user``), or ModelDesk's own
    (a conversation's title): they need no grant, whoever owns the conversation they are stored in, and count
    only against shared quotas (a credential's, a group's shared one), never a user's own (their trial)."""
    token = _operator.set(True)
    try:
        yield
    finally:
        _operator.reset(token)


def access_require(*, user: Any, credential: Any, model: str, model_type: str | None) -> None:
    """Raise ``AccessDenied`` unless ``user`` may call ``model`` (of ``model_type``) through ``credential``."""
    if user is None or _operator.get():
        return
    granted = allowance(user)
    if granted.allows(credential.pk, model, model_type):
        return
    name = credential.name
    if not granted.may_use(credential.pk):

        def build() -> str:
            return _("You have no access to the credential “%(credential)s”. Ask an admin for a grant.") % {
                "credential": name
            }

        raise _refusal(AccessDenied, build, credential=name)
    if not any(scope.allows_type(model_type) for scope in granted.scopes.get(credential.pk, ())):

        def build_type() -> str:
            return _("Your access to “%(credential)s” does not include %(type)s models.") % {
                "credential": name,
                "type": model_type,
            }

        raise _refusal(AccessDenied, build_type, credential=name, model_type=model_type)

    def build_model() -> str:
        return _(
            "Your access to “%(credential)s” does not include the model “%(model)s”. Ask an admin for a grant."
        ) % {
            "credential": name,
            "model": model,
        }

    raise _refusal(AccessDenied, build_model, credential=name, model=model)


# --- quotas ----------------------------------------------------------------------------------------------------
def _used_label(rule: QuotaRule, amount: Decimal) -> str:
    return used_label(rule.metric, amount, rule.currency)


def _limit_label(rule: QuotaRule) -> str:
    return quantity_label(rule.metric, rule.limit, rule.currency)


def _resets(rule: QuotaRule, end: datetime | None) -> str:
    if end is None:
        return _("it does not reset")
    local = end.astimezone(zone())
    values = {"time": local.strftime("%H:%M"), "zone": str(zone()), "date": formats.date_format(local, "Y-m-d")}
    if rule.window == Window.DAY:
        return _("it resets at %(time)s %(zone)s") % values
    return _("it resets on %(date)s at %(time)s %(zone)s") % values


def _whose(rule: QuotaRule) -> str:
    if rule.own_counter:
        return _("Your")
    if rule.subject_kind == "group":
        return _("Group “%(name)s”'s") % {"name": rule.subject_name}
    if rule.subject_kind == "credential":
        return _("The credential “%(name)s”'s") % {"name": rule.subject_name}
    return _("The team's")


def limit_message(rule: QuotaRule, used: Decimal, end: datetime | None) -> str:
    """The refusal of a call by ``rule``, in the active language."""
    values = {"limit": _limit_label(rule), "used": _used_label(rule, used), "resets": _resets(rule, end)}
    if rule.trial:
        values.update(credential=rule.credential_name, where=reverse("admin:credentials_credential_add"))
        return (
            _(
                "Your trial of %(limit)s on “%(credential)s” is used up (%(used)s). To go on, add a provider of "
                "your own: an admin adds its key under Credentials (%(where)s)."
            )
            % values
        )
    values["whose"] = _whose(rule)
    texts = {
        (Window.DAY, False): _("%(whose)s daily limit of %(limit)s is used up (%(used)s); %(resets)s."),
        (Window.MONTH, False): _("%(whose)s monthly limit of %(limit)s is used up (%(used)s); %(resets)s."),
        (Window.TOTAL, False): _("%(whose)s limit of %(limit)s is used up (%(used)s); %(resets)s."),
        (Window.DAY, True): _("%(whose)s daily budget of %(limit)s is used up (%(used)s); %(resets)s."),
        (Window.MONTH, True): _("%(whose)s monthly budget of %(limit)s is used up (%(used)s); %(resets)s."),
        (Window.TOTAL, True): _("%(whose)s budget of %(limit)s is used up (%(used)s); %(resets)s."),
    }
    return texts[(Window(rule.window), rule.metric == Metric.COST)] % values


def warning_message(rule: QuotaRule, used: Decimal, end: datetime | None) -> str:
    """A quota past its warning share, in the active language."""
    share = int(used * 100 / rule.limit) if rule.limit else 100
    values = {
        "share": share,
        "limit": _limit_label(rule),
        "used": _used_label(rule, used),
        "resets": _resets(rule, end),
    }
    return _("Used %(used)s of %(limit)s (%(share)s%%); %(resets)s.") % values


@dataclass
class Admission:
    """A call let through: the counters it was reserved against, and those its tokens and cost go to."""

    rules: list[QuotaRule] = field(default_factory=list)
    counters: list[Counter] = field(default_factory=list)
    used: list[Decimal] = field(default_factory=list)  # each counter's value once the call was reserved
    warnings: list[str] = field(default_factory=list)
    settled: bool = False

    def settle(self, *, tokens: int = 0, cost: Decimal | None = None, currency: str = "", refund: bool = False) -> None:
        """Add what the call used; ``refund`` gives a reserved call back (it never reached the provider)."""
        if self.settled or not self.counters:
            return
        self.settled = True
        amounts = [_amount(rule, tokens, cost, currency, refund) for rule in self.rules]
        try:
            added = store().add(self.counters, amounts)
        except Exception:  # the call has happened: its accounting failing must not lose the reply
            logger.exception("could not count a call against its quotas")
            return
        self.used = [new if new is not None else old for new, old in zip(added, self.used, strict=True)]
        self._warn()

    def _warn(self) -> None:
        for rule, counter, now in zip(self.rules, self.counters, self.used, strict=True):
            if rule.limit and now * 100 >= rule.limit * rule.warn_percent:
                self.warnings.append(warning_message(rule, now, counter.expires_at))
                logger.warning("quota %s: %s of %s used", rule.pk, now, rule.limit)


def _amount(rule: QuotaRule, tokens: int, cost: Decimal | None, currency: str, refund: bool) -> Decimal:
    if rule.metric == Metric.CALLS:
        return Decimal(-1) if refund else Decimal(0)
    if rule.metric == Metric.TOKENS:
        return Decimal(tokens)
    return cost if cost is not None and currency.upper() == rule.currency else Decimal(0)


def _counter(rule: QuotaRule, user: Any, now: datetime) -> Counter:
    start = window_start(rule.window, now)
    return Counter(
        quota_id=rule.pk,
        subject=f"user:{user.pk}" if rule.own_counter else "",
        window_start=start,
        limit=Decimal(rule.limit),
        amount=Decimal(1) if rule.metric == Metric.CALLS else Decimal(0),
        expires_at=window_end(rule.window, start),
    )


def _counting(user: Any, credential: Any, model: str) -> list[QuotaRule]:
    """The quotas a call counts against: a user's own ones only for their own calls (``as_operator``)."""
    personal = user is not None and not _operator.get()
    return [r for r in quotas_for(user, credential.pk) if r.counts(model) and (personal or not r.own_counter)]


def quota_admit(*, user: Any, credential: Any, model: str, now: datetime | None = None) -> Admission:
    """Reserve the call against every quota that counts it, or raise ``LimitReached`` for the first one it
    would pass (nothing is reserved then)."""
    rules = _counting(user, credential, model)
    if not rules:
        return Admission()
    now = now or timezone.now()
    counters = [_counter(rule, user, now) for rule in rules]
    try:
        reservation = store().reserve(counters)
    except Exception as exc:  # Redis unreachable: refuse rather than let calls past every limit
        logger.exception("the quota store cannot be reached")
        raise ConfigurationError(
            f"ModelDesk cannot check this call's quotas ({type(exc).__name__}); try again, or ask an admin."
        ) from None
    if reservation.refused is not None:
        index = reservation.refused
        raise _limit_reached(rules[index], counters[index], reservation.used[0])
    return Admission(rules=rules, counters=counters, used=reservation.used)


def quota_check(*, user: Any, credential: Any, model: str) -> None:
    """Raise ``LimitReached`` if a call would be refused now, reserving nothing (a page checks before it
    stores a turn); the call itself reserves (``quota_admit``)."""
    rules = _counting(user, credential, model)
    if not rules:
        return
    now = timezone.now()
    counters = [_counter(rule, user, now) for rule in rules]
    try:
        values = store().used(counters)
    except Exception:  # Redis unreachable: the call's own reservation refuses it, with a typed error
        logger.exception("the quota store cannot be reached")
        return
    for rule, counter, used in zip(rules, counters, values, strict=True):
        full = used + counter.amount > counter.limit if counter.amount else used >= counter.limit
        if full:
            raise _limit_reached(rule, counter, used)


def _limit_reached(rule: QuotaRule, counter: Counter, used: Decimal) -> LimitReached:
    refusal: LimitReached = _refusal(
        LimitReached,
        lambda: limit_message(rule, used, counter.expires_at),
        limit=_english(lambda: _limit_label(rule)),
        used=_english(lambda: _used_label(rule, used)),
        resets_at=counter.expires_at.isoformat() if counter.expires_at else None,
    )
    return refusal


def refusal_of(user: Any, targets: Iterable[tuple[Any, str]]) -> AccessDenied | LimitReached | None:
    """Why ``user`` may not chat with one of the (credential, model) targets now: no grant, or a quota used up;
    None when they may. The calls themselves are checked again, and reserved, when they are made: this lets a
    page or a command refuse before it stores or sends anything."""
    for credential, model in targets:
        try:
            access_require(user=user, credential=credential, model=model, model_type="llm")
            quota_check(user=user, credential=credential, model=model)
        except (AccessDenied, LimitReached) as refusal:
            return refusal
    return None
