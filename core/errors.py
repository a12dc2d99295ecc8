"""The one error hierarchy of ModelDesk.

Every error a person may see derives from ``ModelDeskError`` and carries a message they can act on. Messages
never contain a secret.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext


def gettext_noop(message: str) -> str:
    """Mark ``message`` for the translation catalogs (``makemessages`` finds it by this name) without translating
    it: Django's own needs configured settings, and this module is imported before Django is set up (the bench,
    the fake provider's tests)."""
    return message


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
    # With ``capture=True``: what the failed call sent and got back, redacted (the playground's inspector).
    exchange: dict[str, object] | None = None

    def user_message(self, *, provider_name: str = "") -> str:
        """The message for a person, in the active language where ModelDesk wrote it (``str()`` is English, for
        logs and the call log). ``provider_name``: the provider's name in that language."""
        return str(self)


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


class _Refusal(ModelDeskError):
    """A call ModelDesk refused before sending it. ``str()`` is English (logs, the call log); ``user_message``
    is the same message in the active language, built when asked (``translated``)."""

    status = 403

    def __init__(self, message: str, translated: Callable[[], str] | None = None, **facts: Any) -> None:
        super().__init__(message)
        self.translated = translated
        self.facts = facts  # what the refusal is about, for JSON output: credential, model, limit ...

    def user_message(self, *, provider_name: str = "") -> str:
        return self.translated() if self.translated is not None else str(self)


class AccessDenied(_Refusal):
    """The caller has no grant for this credential, model or model type (``access``): a 403."""

    error_type = "access_denied"


class LimitReached(_Refusal):
    """A quota or budget is used up (``access``): a 429, saying which limit, its use and when it resets."""

    error_type = "limit_reached"
    status = 429


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

    def user_message(self, *, provider_name: str = "") -> str:
        """``describe()`` in the active language: the title and ModelDesk's words translated, the provider named
        as the user's language names it; the detail stays in the provider's own words."""
        values = {
            "title": gettext(self.title),
            "status": self.status,
            "where": " / ".join(part for part in (provider_name or self.provider, self.model) if part)
            or gettext("the provider"),
            "detail": self.detail,
        }
        if self.status:
            text = gettext("%(title)s (HTTP %(status)s) from %(where)s: %(detail)s") % values
        else:
            text = gettext("%(title)s from %(where)s: %(detail)s") % values
        if self.retry_after:
            wait = gettext("The provider asks to wait %(wait)s before trying again.")
            text += " " + wait % {"wait": wait_label(self.retry_after)}
        return text

    title = gettext_noop("Provider error")

    def with_context(self, *, provider: str, model: str) -> ProviderError:
        self.provider, self.model = provider or self.provider, model or self.model
        self.args = (self.describe(),)
        return self


class AuthenticationFailed(ProviderError):
    error_type, title = "authentication", gettext_noop("Authentication failed")


class PermissionDenied(ProviderError):
    error_type, title = "permission", gettext_noop("Permission denied")


class ModelNotFound(ProviderError):
    error_type, title = "model_not_found", gettext_noop("Model not found")


class QuotaExceeded(ProviderError):
    """The account's balance, credit or spend limit is used up. Never retried: only a person can fix it."""

    error_type, title, final = "quota_exceeded", gettext_noop("Quota or balance used up"), True


class RateLimited(ProviderError):
    error_type, title, retryable = "rate_limited", gettext_noop("Rate limited"), True


class ContextTooLong(ProviderError):
    error_type, title = "context_too_long", gettext_noop("Input too long for the model's context window")


class BadRequest(ProviderError):
    error_type, title = "bad_request", gettext_noop("Request rejected")


class ProviderUnavailable(ProviderError):
    error_type, title, retryable = "provider_unavailable", gettext_noop("Provider unavailable"), True


class BadResponse(ProviderError):
    error_type, title = "bad_response", gettext_noop("Unusable response")


def provider_error_class(error_type: str) -> type[ProviderError]:
    """The ProviderError subclass of a stable error type name ("authentication", "rate_limited" ...)."""
    classes = {cls.error_type: cls for cls in ProviderError.__subclasses__()}
    return classes.get(error_type, ProviderError)


# What each error type is called where a person sees it (call-log badges and filters), in English; translate with
# ``gettext``. Provider errors are called by their titles.
ERROR_TYPE_TITLES: dict[str, str] = {
    "configuration": gettext_noop("Configuration needed"),
    "invalid_input": gettext_noop("Invalid input"),
    "internal": gettext_noop("Internal error"),
    "not_supported": gettext_noop("Not supported"),
    "cancelled": gettext_noop("Cancelled"),
    "access_denied": gettext_noop("Access denied"),
    "limit_reached": gettext_noop("Limit reached"),
    **{cls.error_type: cls.title for cls in ProviderError.__subclasses__()},
}


def error_type_title(error_type: str) -> str:
    """An error type's name in the active language; an unknown type is shown as it is."""
    title = ERROR_TYPE_TITLES.get(error_type)
    return gettext(title) if title else error_type
