"""The one error hierarchy of ModelDesk.

Every error a person may see derives from ``ModelDeskError`` and carries a message they can act on. Messages
never contain a secret.
"""

from __future__ import annotations


def wait_label(seconds: float) -> str:
    """90 -> "1 min 30 s", 0.25 -> "0.25 s": a wait as people say it."""
    if seconds < 60:
        return f"{seconds:.2g} s" if seconds < 1 else f"{round(seconds)} s"
    minutes, rest = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


class ModelDeskError(Exception):
    """Base class for every expected failure; its ``str()`` is safe to show to a user.

    ``error_type`` is the stable name used in call logs and JSON output.
    """

    error_type = "configuration"


class ConfigurationError(ModelDeskError):
    """Something an admin has to set up first (a default model, an encryption key ...)."""


class DefaultModelNotConfigured(ConfigurationError):
    def __init__(self, model_type: str) -> None:
        super().__init__(
            f"No default {model_type} model is configured. An admin can set one under Calls > Default models."
        )
        self.model_type = model_type


class InvalidInput(ModelDeskError):
    """Input that no provider should be sent (a model name with a line break, say). Says what to change."""

    error_type = "invalid_input"


class InternalError(ModelDeskError):
    """Something went wrong inside ModelDesk. The call is recorded, the details are in the server log."""

    error_type = "internal"

    def __init__(self, exc: BaseException) -> None:
        super().__init__(
            f"ModelDesk failed unexpectedly ({type(exc).__name__}). The call was recorded; the server log has details."
        )


class OperationNotSupported(ModelDeskError):
    error_type = "not_supported"

    def __init__(self, provider: str, operation: str) -> None:
        super().__init__(f"{provider} does not offer {operation}. Pick a provider that does, or another model type.")
        self.provider = provider
        self.operation = operation


class ProviderError(ModelDeskError):
    """A failed call to a provider. ``error_type`` is the stable name used in logs and JSON output."""

    error_type = "provider_error"
    retryable = False
    final = False  # True: never retried, whatever the status says (a billing error arrives as a 429)
    timed_out = False  # True: no answer within a timeout (the server may still be working on the request)
    attempts = 0

    def __init__(
        self,
        message: str,
        *,
        provider: str = "",
        model: str = "",
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.detail = message
        self.provider = provider
        self.model = model
        self.status = status
        self.retry_after = retry_after
        super().__init__(self.describe())

    def describe(self) -> str:
        where = " / ".join(part for part in (self.provider, self.model) if part)
        status = f" (HTTP {self.status})" if self.status else ""
        wait = ""
        if self.retry_after:
            wait = f" The provider asks to wait {wait_label(self.retry_after)} before trying again."
        return f"{self.title}{status} from {where or 'the provider'}: {self.detail}{wait}"

    title = "Provider error"

    def with_context(self, *, provider: str, model: str) -> ProviderError:
        self.provider, self.model = provider or self.provider, model or self.model
        self.args = (self.describe(),)
        return self


class AuthenticationFailed(ProviderError):
    error_type, title = "authentication", "Authentication failed"


class PermissionDenied(ProviderError):
    error_type, title = "permission", "Permission denied"


class ModelNotFound(ProviderError):
    error_type, title = "model_not_found", "Model not found"


class QuotaExceeded(ProviderError):
    """The account's balance, credit or spend limit is used up. Never retried: only a person can fix it."""

    error_type, title, final = "quota_exceeded", "Quota or balance used up", True


class RateLimited(ProviderError):
    error_type, title, retryable = "rate_limited", "Rate limited", True


class ContextTooLong(ProviderError):
    error_type, title = "context_too_long", "Input too long for the model's context window"


class BadRequest(ProviderError):
    error_type, title = "bad_request", "Request rejected"


class ProviderUnavailable(ProviderError):
    error_type, title, retryable = "provider_unavailable", "Provider unavailable", True


class BadResponse(ProviderError):
    error_type, title = "bad_response", "Unusable response"


def provider_error_class(error_type: str) -> type[ProviderError]:
    """The ProviderError subclass of a stable error type name ("authentication", "rate_limited" ...)."""
    classes = {cls.error_type: cls for cls in ProviderError.__subclasses__()}
    return classes.get(error_type, ProviderError)
