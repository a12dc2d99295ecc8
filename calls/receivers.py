"""What the call layer does when something below it changes. Lower layers send signals; they import nothing here."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from core.cache import catalog
from credentials.models import Credential
from credentials.signals import credential_saved
from providers.models import Provider, ProviderModel

from .models import DefaultModel


def credential_test_later(sender: Any, *, credential: Credential, **kwargs: Any) -> None:
    """After a credential is saved (admin, command or import), test it once the transaction commits."""
    if not settings.CREDENTIAL_TEST_ON_SAVE:
        return
    from .tasks import credential_test_task

    pk = str(credential.pk)
    transaction.on_commit(lambda: credential_test_task.delay(pk))


def catalog_changed(sender: Any, **kwargs: Any) -> None:
    """A provider, credential, model or default changed: every process reads them again (``core.cache``)."""
    if not kwargs.get("raw"):  # loading fixtures
        catalog.changed()


def connect() -> None:
    credential_saved.connect(credential_test_later, dispatch_uid="calls.credential_test_later")
    for model in (Provider, Credential, ProviderModel, DefaultModel):
        for signal in (post_save, post_delete):
            uid = f"calls.catalog_changed.{model.__name__}.{signal}"
            signal.connect(catalog_changed, sender=model, dispatch_uid=uid)
