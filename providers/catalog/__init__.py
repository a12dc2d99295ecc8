"""The built-in provider catalog, declared in code."""

from .entries import CATALOG
from .types import (
    CredentialField,
    FieldKind,
    ModelType,
    ParameterRule,
    PredefinedModel,
    Protocol,
    ProviderSpec,
)

__all__ = [
    "CATALOG",
    "CredentialField",
    "FieldKind",
    "ModelType",
    "ParameterRule",
    "PredefinedModel",
    "Protocol",
    "ProviderSpec",
]
