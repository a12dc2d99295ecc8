"""Model shapes shared by the vendor modules: the four model types and the predefined-model factories."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from .types import ModelType, ParameterRule, PredefinedModel, Price

LLM = ModelType.LLM
EMBEDDING = ModelType.TEXT_EMBEDDING
RERANK = ModelType.RERANK
STT = ModelType.SPEECH2TEXT
ALL_MODEL_TYPES = (LLM, EMBEDDING, RERANK, STT)

# Models that accept only the default temperature (OpenAI reasoning models, kimi-k2.6).
FIXED_TEMPERATURE = ParameterRule(1.0, 1.0, 1.0)


def llm(
    name: str,
    context_window: int | None,
    max_output_tokens: int | None = None,
    *,
    display_name: str = "",
    vision: bool = False,
    tool_call: bool = True,
    json_mode: bool = True,
    temperature: ParameterRule | None = None,
    top_p: ParameterRule | None = None,
    accepts_temperature: bool = True,
    accepts_top_p: bool = True,
    temperature_or_top_p: bool = False,
    max_tokens_param: str = "",
    reasoning: bool = False,
    price: Price | None = None,
    retires_on: date | None = None,
) -> PredefinedModel:
    return PredefinedModel(
        name=name,
        model_type=LLM,
        display_name=display_name,
        context_window=context_window,
        max_output_tokens=max_output_tokens,
        vision=vision,
        tool_call=tool_call,
        json_mode=json_mode,
        temperature=temperature,
        top_p=top_p,
        accepts_temperature=accepts_temperature,
        accepts_top_p=accepts_top_p,
        temperature_or_top_p=temperature_or_top_p,
        max_tokens_param=max_tokens_param,
        reasoning=reasoning,
        price=price,
        retires_on=retires_on,
    )


def price(input: str, output: str, cached_input: str | None = None, currency: str = "USD") -> Price:
    """A price per 1M tokens, written as decimal strings so that no float rounding creeps in."""
    return Price(Decimal(input), Decimal(output), Decimal(cached_input) if cached_input else None, currency)


def embedding(
    name: str, context_window: int | None = None, *, price: Price | None = None, retires_on: date | None = None
) -> PredefinedModel:
    return PredefinedModel(
        name=name,
        model_type=EMBEDDING,
        context_window=context_window,
        streaming=False,
        price=price,
        retires_on=retires_on,
    )


def rerank(
    name: str, context_window: int | None = None, *, price: Price | None = None, retires_on: date | None = None
) -> PredefinedModel:
    return PredefinedModel(
        name=name,
        model_type=RERANK,
        context_window=context_window,
        streaming=False,
        price=price,
        retires_on=retires_on,
    )


def stt(name: str, *, streaming: bool = False) -> PredefinedModel:
    return PredefinedModel(name=name, model_type=STT, streaming=streaming)
