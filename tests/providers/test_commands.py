"""load_providers and ensure_admin: safe to run on every start."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_load_providers_twice_reports_no_changes_the_second_time():
    first = json.loads(run("load_providers", "--json"))
    assert first["providers_created"] >= 20
    assert json.loads(run("load_providers", "--json")) == {
        "providers_created": 0,
        "providers_updated": 0,
        "models_created": 0,
        "models_updated": 0,
        "providers_removed": 0,
    }
