"""Model shapes shared by the vendor modules: the four model types and the predefined-model factories."""

from __future__ import annotations

from .types import ModelType, ParameterRule, PredefinedModel

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
    )


def embedding(name: str, context_window: int | None = None) -> PredefinedModel:
    return PredefinedModel(name=name, model_type=EMBEDDING, context_window=context_window, streaming=False)


def rerank(name: str, context_window: int | None = None) -> PredefinedModel:
    return PredefinedModel(name=name, model_type=RERANK, context_window=context_window, streaming=False)


def stt(name: str, *, streaming: bool = False) -> PredefinedModel:
    return PredefinedModel(name=name, model_type=STT, streaming=streaming)
