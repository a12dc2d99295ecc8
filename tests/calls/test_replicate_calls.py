"""Replicate through the service layer, against the fake provider over loopback: a community version is posted to
the version route, a prediction still ``starting`` after ``Prefer: wait`` is polled, and a credential with no model
yet is tested with an account check (https://replicate.com/docs/reference/http, checked 2026-12-02)."""

from __future__ import annotations

import json

from calls import services
from wire.types import Message

HI = [Message("user", "hi there")]
VERSION = "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa"


def test_a_community_version_goes_to_the_version_route(point_at, fake_provider):
    outcome = services.chat(credential=point_at("replicate", "/v1"), model=f"owner/llm:{VERSION}", messages=HI)
    assert outcome.content == "Echo: hi there"
    (request,) = [r for r in fake_provider.requests if r.method == "POST"]
    assert request.path == "/v1/predictions" and json.loads(request.body)["version"] == VERSION


def test_a_prediction_still_starting_is_polled_until_it_succeeds(point_at, fake_provider, settings):
    outcome = services.chat(credential=point_at("replicate", "/v1"), model="owner/slow-2-llm", messages=HI)
    assert outcome.content == "Echo: hi there"
    polls = [r for r in fake_provider.requests if r.method == "GET" and r.path.startswith("/v1/predictions/")]
    assert len(polls) >= 2


def test_a_credential_without_models_is_tested_with_an_account_check(point_at, fake_provider):
    check = services.credential_test(credential=point_at("replicate", "/v1"))
    assert check.ok, check.error
    assert check.tried.startswith("account ")
    assert [r.path for r in fake_provider.requests] == ["/v1/account"]
