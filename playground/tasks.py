"""Playground background work. Tasks take ids and import their service inside their body; results hold no secret."""

from __future__ import annotations

from typing import Any

from celery import shared_task


@shared_task(name="playground.conversation_title")
def conversation_title_task(conversation_id: str) -> dict[str, Any]:
    from .background import conversation_title_generate

    title = conversation_title_generate(conversation_id=conversation_id)
    return {"conversation_id": conversation_id, "titled": title is not None}


@shared_task(name="playground.compare_one")
def compare_one_task(
    credential_id: str,
    model: str,
    system: str,
    message: str,
    user_id: int | None,
    max_tokens: int | None = None,
    sampling: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One compare column; ``max_tokens`` alone is what tasks queued before ``sampling`` existed carry."""
    from .background import compare_one

    return compare_one(
        credential_id=credential_id,
        model=model,
        system=system,
        message=message,
        user_id=user_id,
        sampling=sampling if sampling is not None else {"max_tokens": max_tokens},
    )
