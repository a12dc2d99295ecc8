"""Call log rows for the usage tests: a few users, two credentials in two currencies, calls over three days."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import timezone

from calls.models import CallLog


def log(hours_ago: float, *, user: Any, credential: Any, model: str = "gpt-4o", **fields: Any) -> CallLog:
    """A call ``hours_ago`` hours back (created_at is set after the insert: it is auto_now_add)."""
    values: dict[str, Any] = {
        "operation": "chat",
        "status": "ok",
        "latency_ms": 400,
        "tokens_in": 100,
        "tokens_out": 20,
        "cost": Decimal("0.00150000"),
        "currency": "CNY" if credential.provider.slug == "deepseek" else "USD",
        **fields,
    }
    row = CallLog.objects.create(user=user, credential=credential, provider=credential.provider, model=model, **values)
    CallLog.objects.filter(pk=row.pk).update(created_at=timezone.now() - timedelta(hours=hours_ago))
    return row


def spread(world: dict[str, Any], n: int = 40) -> None:
    """``n`` calls over the last three days, both users and credentials, some failing, some unpriced, some
    streamed; the last ones in the current hour."""
    for i in range(n):
        credential = world["openai"] if i % 3 else world["deepseek"]
        log(
            (n - i) * 72 / n - 0.01 if i < n - 3 else 0,
            user=world["alice"] if i % 2 else world["bob"],
            credential=credential,
            model="deepseek-chat" if credential == world["deepseek"] else f"gpt-{i % 2}",
            operation="chat_stream" if i % 4 == 0 else "chat",
            ttft_ms=120 + i if i % 4 == 0 else None,
            status="error" if i % 7 == 0 else "ok",
            latency_ms=50 * (i + 1),
            tokens_in=10 * i,
            tokens_out=i,
            cost=None if i % 5 == 0 else Decimal(i) / 1000,
            currency="" if i % 5 == 0 else ("CNY" if credential == world["deepseek"] else "USD"),
        )


def raw_totals(rows: Any) -> dict[str, Any]:
    sums = rows.aggregate(
        calls=Count("pk"), errors=Count("pk", filter=Q(status="error")), tin=Sum("tokens_in"), tout=Sum("tokens_out")
    )
    costs = {r["currency"]: r["c"] for r in rows.exclude(currency="").values("currency").annotate(c=Sum("cost"))}
    return {**sums, "cost": costs}
