"""Amounts as people read them: money (``¥20.00``, ``$1.50``, ``12.00 EUR``), calls and tokens (``100 calls``)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext

SYMBOLS = {"CNY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}
CENTS = Decimal("0.01")


def amount_label(amount: Decimal | float | int, currency: str) -> str:
    value = Decimal(str(amount)).quantize(CENTS, rounding=ROUND_HALF_UP)
    symbol = SYMBOLS.get(currency.upper())
    return f"{symbol}{value:,}" if symbol else f"{value:,} {currency.upper()}".strip()


def quantity_label(metric: str, amount: Decimal | float | int, currency: str = "") -> str:
    """A quota's limit or use in its metric, in the active language: ``¥20.00``, ``100 calls``, ``5,000 tokens``."""
    if metric == "cost":
        return amount_label(amount, currency)
    count = f"{int(amount):,}"
    return (gettext("%(count)s calls") if metric == "calls" else gettext("%(count)s tokens")) % {"count": count}


def used_label(metric: str, amount: Decimal | float | int, currency: str = "") -> str:
    """A quota's use without its unit's noun: ``¥20.13``, ``1,234``."""
    return amount_label(amount, currency) if metric == "cost" else f"{int(amount):,}"
