"""Scripted changes to grants and quotas (the ``grant``, ``revoke`` and ``set_quota`` commands)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction

from credentials.models import Credential
from providers.models import ProviderModel

from .models import Grant, Quota


@dataclass(frozen=True)
class Who:
    """A grant's or a quota's subject: a user, a group, or (both None) every signed-in user."""

    user: Any = None
    group: Any = None

    def filters(self) -> dict[str, Any]:
        return {"user": self.user, "group": self.group}


def models_named(credential: Credential, names: list[str]) -> list[ProviderModel]:
    """The credential's models of these names; ``LookupError`` names the first one it does not serve."""
    found = {
        m.name: m
        for m in ProviderModel.objects.filter(provider_id=credential.provider_id, name__in=names).exclude(
            credential__isnull=False, credential_id__in=Credential.objects.exclude(pk=credential.pk).values("pk")
        )
    }
    missing = [name for name in names if name not in found]
    if missing:
        raise LookupError(f"{credential.name} has no model named {missing[0]!r}")
    return [found[name] for name in names]


@transaction.atomic
def grant_add(*, who: Who, credential: Credential, models: list[ProviderModel], model_types: list[str]) -> Grant:
    """A grant of the credential (its ``models``, or all; of ``model_types``, or every type). Raises
    ``ValidationError``."""
    grant = Grant(credential=credential, model_types=sorted(model_types), **who.filters())
    grant.full_clean()
    grant.save()
    grant.only_models.set(models)
    return grant


@transaction.atomic
def grant_remove(*, who: Who, credential: Credential) -> int:
    """Remove the subject's grants of the credential; how many there were."""
    _total, per_model = Grant.objects.filter(credential=credential, **who.filters()).delete()
    return per_model.get(Grant._meta.label, 0)


@transaction.atomic
def quota_set(
    *,
    who: Who,
    credential: Credential | None,
    models: list[ProviderModel],
    metric: str,
    window: str,
    limit: Decimal,
    currency: str = "",
    per_user: bool = False,
    trial: bool = False,
    warn_percent: int = 80,
    enabled: bool = True,
) -> tuple[Quota, bool]:
    """Set the subject's quota of this metric and window (on the credential, if given): the one there is is
    changed, else one is made. Returns it and whether it was made. Raises ``ValidationError``."""
    quota = Quota.objects.filter(credential=credential, metric=metric, window=window, **who.filters()).first()
    created = quota is None
    quota = quota or Quota(credential=credential, metric=metric, window=window, **who.filters())
    quota.limit, quota.currency, quota.per_user, quota.trial = limit, currency.upper(), per_user, trial
    quota.warn_percent, quota.enabled = warn_percent, enabled
    quota.full_clean()
    quota.save()
    quota.only_models.set(models)
    return quota, created
