"""Azure OpenAI: the OpenAI wire format at an Azure resource, addressed by deployment.

``api_version`` ``v1`` (the default, and the only GA data-plane version that serves reasoning deployments) uses
``{endpoint}/openai/v1/…`` with the deployment named in the body; a dated version keeps
``{endpoint}/openai/deployments/{deployment}/…?api-version=``. A credential maps models to deployments
(``deployments``, one ``model=deployment`` per line) and may name a default chat deployment (``deployment``).

Reference: https://learn.microsoft.com/azure/ai-foundry/openai/reference (checked 2026-12-02).
"""

from __future__ import annotations

import re
from typing import Any

from core.errors import ConfigurationError
from wire.adapters.base import CHAT, EMBED, MODELS, TRANSCRIBE
from wire.adapters.openai_compatible import OpenAICompatibleAdapter
from wire.adapters.reading import Node
from wire.types import ChatParams, RemoteModel

AZURE_DEFAULT_API_VERSION = "v1"
AZURE_V1_VERSIONS = frozenset({"v1", "preview"})
_DEPLOYMENT = re.compile(r"[^\s/?#=]+")
# o-series and GPT-5 deployments take max_completion_tokens and refuse max_tokens
# (https://learn.microsoft.com/azure/ai-foundry/openai/how-to/reasoning, checked 2026-12-02).
_REASONING_NAME = re.compile(r"(?:^|[^a-z0-9])(?:o[134]|gpt-5)(?:[^0-9]|$)", re.I)


def parse_deployments(text: str) -> dict[str, str]:
    """The ``deployments`` credential field: ``model=deployment``, one per line; blank lines and ``#`` comments are
    skipped. Anything else is a ConfigurationError naming the line, so a typo is not silently a wrong route."""
    mapping: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        model, sep, deployment = (part.strip() for part in line.partition("="))
        if not sep or not _DEPLOYMENT.fullmatch(model) or not _DEPLOYMENT.fullmatch(deployment):
            raise ConfigurationError(
                f"Deployments line {number} ({line!r}) is not model=deployment: one model name, '=', one deployment "
                "name, without spaces, '/', '?' or '#'."
            )
        if model in mapping:
            raise ConfigurationError(f"Deployments line {number} maps {model!r} a second time.")
        mapping[model] = deployment
    return mapping


def reasoning_token_param(*names: str) -> str:
    """``max_completion_tokens`` when a model or deployment name looks like an o-series or GPT-5 model, else ""."""
    return "max_completion_tokens" if any(_REASONING_NAME.search(name) for name in names if name) else ""


class AzureOpenAIAdapter(OpenAICompatibleAdapter):
    """Azure OpenAI (https://learn.microsoft.com/azure/ai-foundry/openai/reference, checked 2026-12-02).

    API version ``v1`` (the default; ``preview`` too) uses the GA v1 routes, ``{endpoint}/openai/v1/…`` with the
    deployment as the body's ``model`` and no ``api-version``; it accepts reasoning deployments, which no dated GA
    version does (2024-10-21 is the last; o-series need 2024-12-01-preview or later). A dated version uses
    ``{endpoint}/openai/deployments/{deployment}/…?api-version=``.

    Which deployment serves a call: the ``deployments`` mapping's entry for the model; a model that is itself a
    mapped deployment; for chat only, the ``deployment`` field (the default deployment); else the model name.
    Embeddings and transcriptions never fall back to the default deployment, which serves chat.

    Discovery lists the credential's deployments, not Azure's base models: no data-plane API lists deployments
    (the old ``GET /openai/deployments`` ended with 2023-03-15-preview; listing needs the management plane and
    Entra credentials), so the model list is read only to check the key, and the models are the mapped ones
    (named by model, the deployment as display name) and the default deployment.
    """

    operations = frozenset({CHAT, MODELS, EMBED, TRANSCRIBE})

    def headers(self) -> dict[str, str]:
        return {"api-key": self.target.api_key} if self.target.api_key else {}

    @property
    def api_version(self) -> str:
        return self.target.config.get("api_version") or AZURE_DEFAULT_API_VERSION

    @property
    def v1(self) -> bool:
        return self.api_version in AZURE_V1_VERSIONS

    def params(self) -> dict[str, str] | None:
        return None if self.api_version == "v1" else {"api-version": self.api_version}

    def deployments(self) -> dict[str, str]:
        return parse_deployments(self.target.config.get("deployments", ""))

    def deployment_for(self, model: str, path: str) -> str:
        mapping = self.deployments()
        if model in mapping:
            return mapping[model]
        default = self.target.config.get("deployment", "")
        if model in mapping.values() or not (default and path == "chat/completions"):
            return model or default
        return default

    def path_url(self, path: str, model: str = "") -> str:
        if self.v1:
            return self.url(f"openai/v1/{path}")
        if path == "models":
            return self.url("openai/models")
        return self.url(f"openai/deployments/{self.deployment_for(model, path)}/{path}")

    def wire_model(self, model: str, path: str) -> str:
        return self.deployment_for(model, path) if self.v1 else model

    def token_param(self, params: ChatParams) -> str:
        deployment = self.deployment_for(params.model, "chat/completions")
        return (
            params.max_tokens_param
            or reasoning_token_param(params.model, deployment)
            or self.target.quirks.max_tokens_param
        )

    def models_response(self, body: Any) -> list[RemoteModel]:
        Node(body).arr("data")  # only a real model list proves the key; its base models are not deployments
        found = [
            RemoteModel(name=model, display_name=deployment, max_tokens_param=reasoning_token_param(model, deployment))
            for model, deployment in self.deployments().items()
        ]
        default = self.target.config.get("deployment", "")
        if default and all(default not in (m.name, m.display_name) for m in found):
            found.append(
                RemoteModel(name=default, display_name=default, max_tokens_param=reasoning_token_param(default))
            )
        return found
