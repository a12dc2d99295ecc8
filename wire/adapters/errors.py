"""Turn a provider's error response into one of our typed errors.

Every provider wraps errors differently : OpenAI ``{"error":{…}}``,
Anthropic ``{"type":"error","error":{…}}``, Gemini a top-level array, Ollama/vLLM ``{"error":"…"}``, Xinference
``{"detail":…}``, Cohere ``{"message":…}``, Zhipu and Azure string codes. ``error_fields`` reads them all.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from core.errors import (
    AuthenticationFailed,
    BadRequest,
    ContextTooLong,
    ModelNotFound,
    PermissionDenied,
    ProviderError,
    ProviderUnavailable,
    QuotaExceeded,
    RateLimited,
    provider_error_class,
)
from wire.redaction import clean

_CONTEXT = re.compile(
    r"context[_ ]length|maximum context|token limit|prompt is too long|input length|too many tokens|"
    r"exceeds the maximum length|maximum number of tokens|context window|reduce the length",
    re.I,
)
# Billing, not rate limits: OpenAI's 429 codes (https://platform.openai.com/docs/guides/error-codes), DeepSeek's
# 402 (https://api-docs.deepseek.com/quick_start/error_codes), Anthropic's 402 billing_error
# (https://docs.anthropic.com/en/api/errors); checked 2026-12-01.
_QUOTA_CODES = frozenset(
    {
        "insufficient_quota",
        "credit_balance_exhausted",
        "organization_spend_limit_exceeded",
        "project_spend_limit_exceeded",
        "organization_usage_limit_exceeded",
        "billing_error",
    }
)
_AUTH = re.compile(r"api[ _-]?key not valid|invalid api[ _-]?key|incorrect api key|invalid authentication", re.I)
_MODEL = re.compile(r"model.*(not (be )?found|does not exist|not exist)|model_not_found|ModelNotFound", re.I)


def parse_body(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):  # not JSON, or nested deeper than the parser goes
        return None


def error_fields(body: Any) -> tuple[str, str]:
    """(message, code) from any of the known error shapes; empty strings when absent."""
    if isinstance(body, list) and body:
        body = body[0]
    if not isinstance(body, dict):
        return "", ""
    inner = body.get("error", body)
    if isinstance(inner, str):
        return inner, ""
    if not isinstance(inner, dict):
        return (str(inner) if isinstance(inner, int | float) else ""), ""
    message = inner.get("message") or body.get("message") or body.get("detail") or body.get("title") or ""
    if isinstance(message, list | dict):
        try:
            message = json.dumps(message, ensure_ascii=False)
        except (ValueError, RecursionError):
            message = "an error message ModelDesk cannot read"
    code = inner.get("code") or inner.get("type") or inner.get("status") or ""
    return str(message), str(code)


def _detail(text: str, body: Any, status: int, redact: Callable[[str], str] | None) -> str:
    """The provider's message, redacted of the call's secrets and only then cut to size."""
    message, code = error_fields(body)
    if not message:
        stripped = text.lstrip().lower()
        if stripped.startswith(("<!doctype", "<html")):
            return f"the server answered with an HTML page instead of JSON (HTTP {status})"
        message = text.strip() or "no error message"
    if code and code not in message:
        message = f"{message} [{code}]"
    return clean(message, redact)


def _error_class(status: int, message: str, code: str, codes: Mapping[str, str]) -> type[ProviderError]:
    if code in codes:  # the provider's own business codes (quirk data), before any guess from the status
        return provider_error_class(codes[code])
    if status == 402 or code in _QUOTA_CODES:
        return QuotaExceeded
    if status == 401 or _AUTH.search(message):
        return AuthenticationFailed
    if status in {402, 403}:
        return PermissionDenied
    if status == 429:
        return RateLimited
    if status in {408, 409} or status >= 500:
        return ProviderUnavailable
    if _CONTEXT.search(message) or code == "context_length_exceeded":
        return ContextTooLong
    if status == 404 or _MODEL.search(message) or _MODEL.search(code):
        return ModelNotFound
    return BadRequest


def error_from_response(
    status: int,
    text: str,
    *,
    retry_after: float | None = None,
    redact: Callable[[str], str] | None = None,
    codes: Mapping[str, str] = MappingProxyType({}),
) -> ProviderError:
    """The typed error for a failed response; its detail never holds a secret of the call (nor a piece of one)."""
    body = parse_body(text)
    message, code = error_fields(body)
    cls = _error_class(status, message or text, code, codes)
    return cls(_detail(text, body, status, redact), status=status, retry_after=retry_after)
