"""Reads of who may use what, kept per process (``policies``, a ``core.cache`` namespace) until a grant, a quota,
or a user's groups change.

``allowance(user)`` is what a user may use: everything (staff who may change credentials), or per credential
the scopes their grants and the shared trials give. ``quotas_for(user, credential, model)`` are the quotas a
call counts against.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from core.cache import Namespace

from .models import Grant, Quota

policies = Namespace("access")
EVERYTHING_PERMISSION = "credentials.change_credential"


@dataclass(frozen=True)
class Scope:
    """What one grant allows on its credential: None is "any"."""

    models: frozenset[str] | None = None
    types: frozenset[str] | None = None

    def allows_type(self, model_type: str | None) -> bool:
        return self.types is None or model_type is None or model_type in self.types

    def allows(self, model: str, model_type: str | None) -> bool:
        return self.allows_type(model_type) and (self.models is None or model in self.models)


@dataclass(frozen=True)
class Allowance:
    everything: bool = False
    scopes: dict[uuid.UUID, tuple[Scope, ...]] = field(default_factory=dict)
    user_id: int | None = None
    group_ids: tuple[int, ...] = ()

    def _of(self, credential_id: Any) -> tuple[Scope, ...]:
        pk = _uuid(credential_id)
        return self.scopes.get(pk, ()) if pk is not None else ()

    def credential_ids(self, model_type: str | None = None) -> list[uuid.UUID]:
        return [pk for pk, scopes in self.scopes.items() if any(s.allows_type(model_type) for s in scopes)]

    def may_use(self, credential_id: Any) -> bool:
        return self.everything or _uuid(credential_id) in self.scopes

    def models(self, credential_id: Any, model_type: str | None = None) -> frozenset[str] | None:
        """The model names the user may call on the credential; None: any name."""
        if self.everything:
            return None
        names: set[str] = set()
        for scope in self._of(credential_id):
            if not scope.allows_type(model_type):
                continue
            if scope.models is None:
                return None
            names |= scope.models
        return frozenset(names)

    def allows(self, credential_id: Any, model: str, model_type: str | None) -> bool:
        if self.everything:
            return True
        return any(s.allows(model, model_type) for s in self._of(credential_id))


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        return None


def sees_everything(user: Any) -> bool:
    return bool(user is not None and user.is_active and user.is_staff and user.has_perm(EVERYTHING_PERMISSION))


def _subject_filter(user_id: int | None, group_ids: Iterable[int]) -> Q:
    """Grants or quotas for everyone, and (with a user) for that user and their groups."""
    everyone = Q(user__isnull=True, group__isnull=True)
    return everyone if user_id is None else everyone | Q(user=user_id) | Q(group__in=list(group_ids))


def _group_ids(user: Any) -> list[int]:
    return list(user.groups.values_list("pk", flat=True))


def _scope(model_names: Iterable[str], types: list[str]) -> Scope:
    names = frozenset(model_names)
    return Scope(models=names or None, types=frozenset(types) or None)


def _load_allowance(user: Any) -> Allowance:
    groups = _group_ids(user)
    scopes: dict[uuid.UUID, list[Scope]] = {}
    grants = Grant.objects.filter(_subject_filter(user.pk, groups), enabled=True).prefetch_related("only_models")
    for grant in grants:
        names = [m.name for m in grant.only_models.all()]
        scopes.setdefault(grant.credential_id, []).append(_scope(names, grant.model_types))
    trials = Quota.objects.filter(trial=True, enabled=True, credential__isnull=False).prefetch_related("only_models")
    for trial in trials:
        assert trial.credential_id is not None
        scopes.setdefault(trial.credential_id, []).append(_scope((m.name for m in trial.only_models.all()), []))
    return Allowance(
        scopes={pk: tuple(found) for pk, found in scopes.items()}, user_id=user.pk, group_ids=tuple(groups)
    )


def allowance(user: Any) -> Allowance:
    """What ``user`` may use; nothing for an anonymous or inactive user."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Allowance()
    if sees_everything(user):
        return Allowance(everything=True)
    return policies.get(("allowance", user.pk), lambda: _load_allowance(user))


# Past this many granted credentials, a list is narrowed by a subquery of the grants, not a list of their ids
# (a thousand ids cost more to build and to send than the database takes to read the grants again).
IDS_INLINE = 50


def credentials_visible(user: Any, credentials: QuerySet[Any], *, model_type: str | None = None) -> QuerySet[Any]:
    """``credentials`` narrowed to those ``user`` may use (for ``model_type``, if given)."""
    granted = allowance(user)
    if granted.everything:
        return credentials
    if len(granted.scopes) <= IDS_INLINE:
        return credentials.filter(pk__in=granted.credential_ids(model_type))
    subject = _subject_filter(granted.user_id, granted.group_ids)
    grants = Grant.objects.filter(subject, enabled=True).values("credential_id")
    trials = Quota.objects.filter(trial=True, enabled=True).values("credential_id")
    narrowed = credentials.filter(Q(pk__in=grants) | Q(pk__in=trials))
    allowed = set(granted.credential_ids(model_type))
    refused = [pk for pk in granted.scopes if pk not in allowed]  # granted, but only for other model types
    return narrowed.exclude(pk__in=refused) if refused else narrowed


def models_visible(
    user: Any, credential: Any, models: QuerySet[Any], *, model_type: str | None = None
) -> QuerySet[Any]:
    """``models`` of ``credential`` narrowed to the names ``user`` may call."""
    names = allowance(user).models(credential.pk, model_type)
    return models if names is None else models.filter(name__in=sorted(names))


@dataclass(frozen=True)
class QuotaRule:
    """A quota as a call reads it (no row): what it counts and what it limits."""

    pk: int
    metric: str
    window: str
    limit: Any
    currency: str
    warn_percent: int
    own_counter: bool
    trial: bool
    subject_kind: str  # user, group, credential, everyone
    subject_name: str
    credential_name: str
    models: frozenset[str] | None

    def counts(self, model: str) -> bool:
        return self.models is None or model in self.models


def _rule(quota: Quota) -> QuotaRule:
    if quota.user_id:
        kind, name = "user", str(quota.user)
    elif quota.group_id:
        kind, name = "group", str(quota.group)
    elif quota.credential_id:
        kind, name = "credential", quota.credential.name if quota.credential else ""
    else:
        kind, name = "everyone", ""
    names = frozenset(m.name for m in quota.only_models.all())
    return QuotaRule(
        pk=quota.pk,
        metric=quota.metric,
        window=quota.window,
        limit=quota.limit,
        currency=quota.currency,
        warn_percent=quota.warn_percent,
        own_counter=quota.own_counter,
        trial=quota.trial,
        subject_kind=kind,
        subject_name=name,
        credential_name=quota.credential.name if quota.credential else "",
        models=names or None,
    )


def _load_quotas(user_id: int | None, group_ids: list[int], credential_id: Any) -> tuple[QuotaRule, ...]:
    rows = (
        Quota.objects.filter(
            _subject_filter(user_id, group_ids), Q(credential__isnull=True) | Q(credential=credential_id), enabled=True
        )
        .select_related("user", "group", "credential")
        .prefetch_related("only_models")
    )
    return tuple(_rule(quota) for quota in rows)


def quotas_for(user: Any, credential_id: Any) -> tuple[QuotaRule, ...]:
    """The enabled quotas that count ``user``'s calls (None: a call with no user) on the credential."""
    user_id = user.pk if user is not None else None

    def load() -> tuple[QuotaRule, ...]:
        groups = _group_ids(user) if user is not None else []
        return _load_quotas(user_id, groups, credential_id)

    return policies.get(("quotas", user_id, _uuid(credential_id)), load)
