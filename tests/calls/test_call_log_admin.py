"""The call log speaks the admin's language: error types by their names, as badges and as filters."""

from __future__ import annotations

import pytest

from calls import services
from core.errors import ProviderError
from wire.types import Message


def test_error_badges_and_filters_are_named_in_chinese(admin_client, point_at):
    with pytest.raises(ProviderError):
        services.chat(credential=point_at("openai_compatible"), model="echo-fault-500", messages=[Message("u", "hi")])
    page = admin_client.get("/admin/calls/calllog/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "供应商不可用" in page
    assert ">provider_unavailable<" not in page
    filtered = admin_client.get("/admin/calls/calllog/?error_type=provider_unavailable", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert filtered.status_code == 200 and "echo-fault-500" in filtered.content.decode()
