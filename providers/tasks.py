"""Celery tasks: thin wrappers that take ids and call services. Never a secret in arguments or results."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from credentials.models import Credential

from . import services


@shared_task(name="providers.credential_test")
def credential_test_task(credential_id: str) -> dict[str, Any]:
    credential = Credential.objects.select_related("provider").filter(pk=credential_id).first()
    if credential is None:
        return {"credential_id": credential_id, "ok": False, "error_type": "deleted"}
    check = services.test_credential(credential=credential)
    return {
        "credential_id": credential_id,
        "ok": check.ok,
        "latency_ms": check.latency_ms,
        "error_type": check.error_type,
    }
