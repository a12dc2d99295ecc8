"""The one error hierarchy of ModelDesk.

Every error a person may see derives from ``ModelDeskError`` and carries a message they can act on. Messages
never contain a secret.
"""

from __future__ import annotations


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
            f"No default {model_type} model is configured. An admin can set one under "
            f"Providers and models > Default models."
        )
        self.model_type = model_type


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
        return f"{self.title}{status} from {where or 'the provider'}: {self.detail}"

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
