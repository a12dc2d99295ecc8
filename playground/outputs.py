"""The pieces of a run's output item that more than one place writes: ``usage`` and ``cost``.

A playground run (``services``), a compare column (``live_compare``) and a stored reply reopened
(``Message.call_summary``) answer in the same shape, so that the page's badges read them all alike.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def usage_json(input_tokens: int | None, output_tokens: int | None, *, estimated: bool) -> dict[str, Any]:
    """Token counts; ``"estimated": true`` only when ModelDesk counted them (the provider reported none)."""
    return {"input_tokens": input_tokens, "output_tokens": output_tokens, **({"estimated": True} if estimated else {})}


def cost_json(cost: Decimal | None, currency: str) -> dict[str, str] | None:
    """The call's estimated cost at the model's prices; None when the model has no price."""
    return {"amount": str(cost), "currency": currency} if cost is not None else None
