"""A call's cost and usage detail on its CallLog row, and the cost totals of the call log admin."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from calls import services
from calls.models import CallLog
from calls.recording import call_record
from calls.resolve import Call
from core.errors import ProviderError
from providers.models import Provider, ProviderModel
from wire.types import Message, Usage

HI = [Message("user", "hi")]
MILLION = Decimal(1_000_000)


def priced(provider: Provider, name: str = "echo-1", **fields: object) -> ProviderModel:
    return ProviderModel.objects.create(provider=provider, name=name, model_type="llm", **fields)


def test_a_chat_with_a_priced_model_records_its_cost(point_at):
    credential = point_at("openai_compatible")
    priced(credential.provider, input_price=Decimal("2"), output_price=Decimal("8"), price_currency="EUR")
    services.chat(credential=credential, model="echo-1", messages=HI)
    row = CallLog.objects.get()
    assert row.tokens_in and row.tokens_out
    assert row.cost == (row.tokens_in * 2 + row.tokens_out * 8) / MILLION and row.currency == "EUR"


def test_a_chat_with_an_unpriced_model_has_no_cost_not_zero(point_at):
    credential = point_at("openai_compatible")
    priced(credential.provider)
    services.chat(credential=credential, model="echo-1", messages=HI)
    row = CallLog.objects.get()
    assert row.tokens_in and (row.cost, row.currency) == (None, "")


def test_the_credentials_own_model_row_prices_its_calls(point_at):
    """A server's own row (``credential=``) wins over the provider-wide one; another server's row is not used."""
    credential = point_at("openai_compatible")
    other = point_at("openai_compatible", name="other-server")
    priced(credential.provider, input_price=Decimal("1"), output_price=Decimal("1"))
    priced(credential.provider, credential=credential, input_price=Decimal("3"), output_price=Decimal("3"))
    priced(credential.provider, credential=other, input_price=Decimal("5"), output_price=Decimal("5"))
    services.chat(credential=credential, model="echo-1", messages=HI)
    row = CallLog.objects.get()
    assert row.cost == (row.tokens_in + row.tokens_out) * 3 / MILLION  # type: ignore[operator]


def test_a_failed_call_without_usage_has_no_cost(point_at):
    credential = point_at("openai_compatible")
    priced(credential.provider, name="echo-fault-401", input_price=Decimal("2"), output_price=Decimal("8"))
    with pytest.raises(ProviderError):
        services.chat(credential=credential, model="echo-fault-401", messages=HI)
    assert CallLog.objects.values_list("status", "cost").get() == ("error", None)


def test_the_row_keeps_the_usage_detail_and_finish_reason_with_one_price_query(point_at):
    credential = point_at("openai_compatible")
    priced(credential.provider, input_price=Decimal("2"), output_price=Decimal("8"), cached_input_price=Decimal("1"))
    usage = Usage(input_tokens=1000, output_tokens=300, cached_input_tokens=600, reasoning_tokens=200, estimated=True)
    call = Call(operation="chat", credential=credential, model="echo-1", usage=usage, finish_reason="length")
    with CaptureQueriesContext(connection) as queries:
        call_record(call)
    assert len(queries) == 2  # the model's price, the insert
    row = CallLog.objects.get()
    assert (row.tokens_cached, row.tokens_reasoning, row.usage_estimated, row.finish_reason) == (
        600,
        200,
        True,
        "length",
    )
    assert row.cost == (400 * 2 + 600 * 1 + 300 * 8) / MILLION and row.currency == "USD"


def _log(provider: Provider, model: str, cost: str | None, currency: str = "USD", **fields: object) -> CallLog:
    return CallLog.objects.create(
        provider=provider,
        model=model,
        operation="chat",
        status="ok",
        cost=None if cost is None else Decimal(cost),
        currency=currency if cost is not None else "",
        **fields,
    )


def test_the_call_log_list_totals_the_cost_of_the_filtered_rows_per_currency(admin_client, catalog):
    openai = Provider.objects.get(slug="openai")
    _log(openai, "a", "0.25")
    _log(openai, "a", "0.50")
    _log(openai, "a", "3", currency="CNY")
    _log(openai, "a", None)
    _log(openai, "b", "100")
    page = admin_client.get("/admin/calls/calllog/?model=a").content.decode()
    assert "Total cost of the matching calls" in page
    assert "0.750000 USD" in page and "3.000000 CNY" in page and "100.000000" not in page
    everything = admin_client.get("/admin/calls/calllog/").content.decode()
    assert "100.750000 USD" in everything


def test_the_call_log_list_shows_cached_reasoning_and_estimated_tokens(admin_client, catalog):
    openai = Provider.objects.get(slug="openai")
    _log(openai, "a", "0.001", tokens_in=1200, tokens_out=80, tokens_cached=1000, tokens_reasoning=50)
    _log(openai, "b", None, tokens_in=10, tokens_out=5, usage_estimated=True, finish_reason="length")
    page = admin_client.get("/admin/calls/calllog/").content.decode()
    assert "1200 (1000 cached) / 80 (50 reasoning)" in page
    assert "≈ 10 / 5" in page and "length" in page and "0.001000 USD" in page
