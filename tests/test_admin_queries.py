"""Every admin list page runs a constant number of queries, whatever the number of rows."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from calls.models import DefaultModel
from credentials.services import credential_save
from providers.models import Provider, ProviderModel


def _add_credentials(n: int) -> None:
    openai = Provider.objects.get(slug="openai")
    start = openai.credentials.count()
    for i in range(start, start + n):
        credential_save(provider=openai, name=f"key-{i}", values={"api_key": f"sk-test-{i:020d}"})


def _add_models(n: int) -> None:
    provider = Provider.objects.get(slug="openai_compatible")
    start = ProviderModel.objects.filter(provider=provider).count()
    ProviderModel.objects.bulk_create(
        ProviderModel(provider=provider, name=f"m-{i}", model_type="llm") for i in range(start, start + n)
    )


def _add_defaults(n: int) -> None:
    """At most one default per type exists, so this page is measured at 1 and at 4 rows."""
    taken = set(DefaultModel.objects.values_list("model_type", flat=True))
    pending = [t for t in ("llm", "text-embedding", "speech2text", "rerank") if t not in taken]
    for model_type in pending[:n]:
        slug = "jina" if model_type == "rerank" else "openai"
        provider = Provider.objects.get(slug=slug)
        credential = credential_save(
            provider=provider, name=f"{slug}-{model_type}", values={"api_key": f"{slug}-test-key-000000"}
        )
        model = ProviderModel.objects.filter(provider=provider, model_type=model_type).first()
        DefaultModel.objects.create(model_type=model_type, model=model, credential=credential)


def _add_logs(n: int) -> None:
    from django.contrib.auth import get_user_model

    from calls.models import CallLog

    openai = Provider.objects.get(slug="openai")
    credential = openai.credentials.first() or credential_save(
        provider=openai, name="log-key", values={"api_key": "sk-test-log-0000000"}
    )
    user = get_user_model().objects.first()
    CallLog.objects.bulk_create(
        CallLog(provider=openai, credential=credential, user=user, model=f"gpt-{i % 3}", operation="chat", status="ok")
        for i in range(n)
    )


def _grant_target():
    from django.contrib.auth import get_user_model

    openai = Provider.objects.get(slug="openai")
    credential = openai.credentials.first() or credential_save(
        provider=openai, name="grant-key", values={"api_key": "sk-test-grant-0000000"}
    )
    return credential, get_user_model().objects


def _add_grants(n: int) -> None:
    from access.models import Grant

    credential, users = _grant_target()
    start = users.count()
    for i in range(start, start + n):
        grant = Grant.objects.create(user=users.create_user(username=f"g{i}"), credential=credential)
        grant.only_models.set(ProviderModel.objects.filter(provider=credential.provider)[:2])


def _add_quotas(n: int) -> None:
    from access.models import Quota, QuotaCounter
    from access.windows import window_start

    credential, users = _grant_target()
    start = users.count()
    for i in range(start, start + n):
        quota = Quota.objects.create(user=users.create_user(username=f"q{i}"), credential=credential, limit=10)
        QuotaCounter.objects.create(
            quota=quota, subject=f"user:{quota.user_id}", window_start=window_start("day", timezone.now()), used=i % 10
        )


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


PAGES: list[tuple[str, Callable[[int], None], int, int]] = [
    ("/admin/credentials/credential/", _add_credentials, 10, 100),
    ("/admin/providers/providermodel/", _add_models, 10, 100),
    ("/admin/calls/defaultmodel/", _add_defaults, 1, 4),
    ("/admin/calls/calllog/", _add_logs, 10, 100),
    ("/admin/access/grant/", _add_grants, 5, 30),
    ("/admin/access/quota/", _add_quotas, 5, 30),
    ("/admin/access/quotacounter/", _add_quotas, 5, 30),
]


@pytest.mark.parametrize("url, grow, small, large", PAGES, ids=[p[0] for p in PAGES])
def test_list_page_query_count_is_constant(admin_client, catalog, url, grow, small, large):
    grow(small)
    at_small = _count(admin_client, url + "?all=")
    grow(large - small)
    at_large = _count(admin_client, url + "?all=")
    assert at_small == at_large


def test_provider_list_query_count_is_constant(admin_client, catalog):
    """The provider table is the catalog (20 rows); its per-row counts must not add queries either."""
    _add_credentials(10)
    at_small = _count(admin_client, "/admin/providers/provider/")
    _add_credentials(90)
    _add_models(100)
    assert _count(admin_client, "/admin/providers/provider/") == at_small
