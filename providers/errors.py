"""The one error hierarchy of ModelDesk.

Every error a person may see derives from ``ModelDeskError`` and carries a message they can act on. Messages
never contain a secret.
"""

from __future__ import annotations


class ModelDeskError(Exception):
    """Base class for every expected failure; its ``str()`` is safe to show to a user."""


class ConfigurationError(ModelDeskError):
    """Something an admin has to set up first (a default model, an encryption key ...)."""


class DefaultModelNotConfigured(ConfigurationError):
    def __init__(self, model_type: str) -> None:
        super().__init__(
            f"No default {model_type} model is configured. An admin can set one under "
            f"Providers and models > Default models."
        )
        self.model_type = model_type
