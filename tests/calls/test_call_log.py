"""The background call log writer: rows arrive without the caller waiting for them."""

from __future__ import annotations

import pytest

from calls import call_log, services
from calls.models import CallLog
from core.errors import ProviderError
from wire.types import Message


@pytest.mark.django_db(transaction=True)
def test_background_writer_stores_every_row(settings, point_at):
    settings.CALL_LOG_ASYNC = True
    credential = point_at("openai_compatible")
    for _ in range(5):
        services.chat(credential=credential, model="echo-1", messages=[Message("user", "hi")])
    with pytest.raises(ProviderError):
        services.chat(credential=credential, model="echo-fault-401", messages=[Message("user", "hi")])
    call_log.flush()
    rows = list(CallLog.objects.order_by("created_at").values_list("status", "error_type"))
    assert rows == [("ok", "")] * 5 + [("error", "authentication")]
