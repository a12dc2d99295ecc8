"""What the call layer does when something below it changes. Lower layers send signals; they import nothing here."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from credentials.models import Credential
from credentials.signals import credential_saved
from providers.models import ProviderModel


def credential_test_later(sender: Any, *, credential: Credential, **kwargs: Any) -> None:
    """After a credential is saved (admin, command or import), test it once the transaction commits."""
    if not settings.CREDENTIAL_TEST_ON_SAVE:
        return
    from .tasks import credential_test_task

    pk = str(credential.pk)
    transaction.on_commit(lambda: credential_test_task.delay(pk))


def rules_forget(sender: Any, **kwargs: Any) -> None:
    """A model row changed: the rules read from it are read again (``calls.rules``)."""
    from .rules import rules_cache_clear

    rules_cache_clear()


def connect() -> None:
    credential_saved.connect(credential_test_later, dispatch_uid="calls.credential_test_later")
    for signal in (post_save, post_delete):
        signal.connect(rules_forget, sender=ProviderModel, dispatch_uid=f"calls.rules_forget.{signal}")
