"""Per-model parameter rules, checked before a request is sent.

A model's rules are data on its ``ProviderModel`` row: the catalog's for predefined models, an admin's for custom
and discovered ones. ``chat_rules`` reads them once per call; ``rules_problems`` lists every rule a request breaks
(the playground shows them as form errors, the service raises ``InvalidInput`` with them), and ``rules_apply``
fills in what the request left to the model: the default token limit and the field that carries it.

A model name with no row (typed by hand) has no rules: it is sent what was asked, within generic bounds, and
the provider's own error comes back. Its token limit defaults to ``CHAT_DEFAULT_MAX_TOKENS``, conservative enough
for a small self-hosted context window.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _

from core.cache import catalog
from core.errors import InvalidInput
from core.validators import PARAMETER_BOUNDS
from providers.models import ProviderModel
from wire.types import ChatParams


@dataclass(frozen=True)
class ChatRules:
    """What one model accepts. ``row`` is None for a model ModelDesk has no row for."""

    model: str
    row: ProviderModel | None = None

    @property
    def known(self) -> bool:
        return self.row is not None

    def bounds(self, name: str) -> tuple[float, float]:
        low, high = PARAMETER_BOUNDS[name]
        if self.row is None:
            return low, high
        rule = self.row.parameter_rules()[name]
        return (low if rule["min"] is None else rule["min"]), (high if rule["max"] is None else rule["max"])

    @property
    def context_window(self) -> int | None:
        return self.row.context_window if self.row is not None else None


def chat_rules(*, credential: Any, model: str) -> ChatRules:
    """The rules of ``model`` as served through ``credential``: its server's own row first, then the provider's.

    Read once per process until a model row changes (``core.cache.catalog``)."""
    row = catalog.get(("rules", credential.pk, credential.provider_id, model), lambda: _row_read(credential, model))
    return ChatRules(model=model, row=row)


def _row_read(credential: Any, model: str) -> ProviderModel | None:
    rows = ProviderModel.objects.filter(
        Q(credential__isnull=True) | Q(credential=credential.pk),
        provider_id=credential.provider_id,
        name=model,
        model_type="llm",
    ).order_by()  # not the model list's ordering: that joins the provider table, on every call
    # Another server's model of the same name says nothing about this one, so it is not read at all.
    return min(rows, key=lambda r: r.credential_id is None, default=None)


def _capability_problems(rules: ChatRules, params: ChatParams) -> list[tuple[str, str]]:
    row, name = rules.row, rules.model
    if row is None:
        return []
    problems = []
    if any(m.has_images for m in params.messages) and not row.supports_vision:
        problems.append(("images", _("%(model)s is not a vision model: it does not accept images.") % {"model": name}))
    if params.response_format is not None and not row.supports_json_mode:
        problems.append(
            ("response_format", _("%(model)s does not support JSON mode or structured output.") % {"model": name})
        )
    if params.thinking is not None and not row.supports_reasoning:
        problems.append(
            ("thinking", _("%(model)s is not a reasoning model: thinking cannot be set.") % {"model": name})
        )
    return problems


def _sampling_problems(rules: ChatRules, params: ChatParams) -> list[tuple[str, str]]:
    row, name = rules.row, rules.model
    problems = []
    if row is not None and params.temperature is not None and not row.accepts_temperature:
        problems.append(("temperature", _("%(model)s does not accept a temperature.") % {"model": name}))
    if row is not None and params.top_p is not None and not row.accepts_top_p:
        problems.append(("top_p", _("%(model)s does not accept top_p.") % {"model": name}))
    if row is not None and row.temperature_or_top_p and params.temperature is not None and params.top_p is not None:
        problems.append(
            ("top_p", _("%(model)s accepts temperature or top_p, not both. Clear one of them.") % {"model": name})
        )
    for field in ("temperature", "top_p", "max_tokens"):
        value = getattr(params, field)
        if value is None or any(field == taken for taken, _message in problems):
            continue
        low, high = rules.bounds(field)
        if not low <= value <= high:
            values = {"model": name, "name": field, "min": _number(low), "max": _number(high)}
            if row is None:
                message = _("%(name)s must be from %(min)s to %(max)s.")
            elif low == high:
                message = _("%(model)s accepts only %(name)s %(min)s.")
            else:
                message = _("%(model)s accepts %(name)s from %(min)s to %(max)s.")
            problems.append((field, message % values))
    return problems


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def rules_problems(rules: ChatRules, params: ChatParams) -> list[tuple[str, str]]:
    """Every rule ``params`` breaks, as (field, message) pairs, in the active language."""
    return _capability_problems(rules, params) + _sampling_problems(rules, params)


def rules_apply(rules: ChatRules, params: ChatParams) -> ChatParams:
    """``params`` checked (``InvalidInput`` names every broken rule) and completed from the model's rules."""
    problems = rules_problems(rules, params)
    if problems:
        raise InvalidInput(" ".join(message for _field, message in problems))
    row = rules.row
    changes: dict[str, Any] = {}
    if params.max_tokens is None and row is not None and row.max_tokens_default:
        changes["max_tokens"] = row.max_tokens_default
    elif params.max_tokens is None and (row is None or row.origin != "predefined"):
        # No rules to go by (a typed name, a discovered model): a conservative limit, not the server's own,
        # which on llama.cpp-style servers is "until the context is full".
        changes["max_tokens"] = settings.CHAT_DEFAULT_MAX_TOKENS
    if row is not None and row.max_tokens_param and not params.max_tokens_param:
        changes["max_tokens_param"] = row.max_tokens_param
    return replace(params, **changes) if changes else params
