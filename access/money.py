"""Amounts of money as people read them: ``¥20.00``, ``$1.50``, ``12.00 EUR``."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

SYMBOLS = {"CNY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}
CENTS = Decimal("0.01")


def amount_label(amount: Decimal | float | int, currency: str) -> str:
    value = Decimal(str(amount)).quantize(CENTS, rounding=ROUND_HALF_UP)
    symbol = SYMBOLS.get(currency.upper())
    return f"{symbol}{value:,}" if symbol else f"{value:,} {currency.upper()}".strip()
