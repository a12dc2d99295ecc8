"""Celery tasks: thin wrappers that take ids and call services. Never a secret in arguments or results.

Each task imports its service inside its body: the services (and ``receivers``) queue the tasks, the tasks call
the services, and the modules do not import each other.
"""

from __future__ import annotations

from typing import Any

from celery import group, shared_task

from core.errors import ModelDeskError
from credentials.models import Credential
from wire.adapters import adapter_class
from wire.adapters.base import MODELS


def _credential(credential_id: str) -> Credential | None:
    return Credential.objects.select_related("provider").filter(pk=credential_id).first()


@shared_task(name="calls.credential_test")
def credential_test_task(credential_id: str) -> dict[str, Any]:
    credential = _credential(credential_id)
    if credential is None:
        return {"credential_id": credential_id, "ok": False, "error_type": "deleted"}
    from .services import credential_test

    check = credential_test(credential=credential)
    return {
        "credential_id": credential_id,
        "ok": check.ok,
        "latency_ms": check.latency_ms,
        "error_type": check.error_type,
    }


@shared_task(name="calls.credentials_health_check")
def credentials_health_check_task() -> dict[str, Any]:
    """Periodic (beat): test every enabled credential, one task each."""
    ids = [
        str(pk) for pk in Credential.objects.filter(enabled=True, provider__enabled=True).values_list("pk", flat=True)
    ]
    group(credential_test_task.s(pk) for pk in ids).apply_async()
    return {"queued": len(ids)}


@shared_task(name="calls.models_sync")
def models_sync_task(credential_id: str) -> dict[str, Any]:
    from .services import models_discover

    credential = _credential(credential_id)
    if credential is None:
        return {"credential_id": credential_id, "error_type": "deleted"}
    try:
        report = models_discover(credential=credential)
    except ModelDeskError as error:
        return {"credential_id": credential_id, "error_type": error.error_type}
    return {"credential_id": credential_id, "created": report.created, "existing": report.existing}


@shared_task(name="calls.models_sync_all")
def models_sync_all_task() -> dict[str, Any]:
    """Periodic (beat): discover models for every enabled credential whose provider lists its models."""
    credentials = Credential.objects.select_related("provider").filter(enabled=True, provider__enabled=True)
    ids = [str(c.pk) for c in credentials if MODELS in adapter_class(c.provider.protocol).operations]
    group(models_sync_task.s(pk) for pk in ids).apply_async()
    return {"queued": len(ids)}


@shared_task(name="calls.usage_rollup")
def usage_rollup_task() -> dict[str, Any]:
    """Periodic (beat): roll the hours since the last roll-up into the usage tables."""
    from .usage_rollup import usage_rollup

    result = usage_rollup()
    return {"hour_rows": result.hour_rows, "day_rows": result.day_rows}
