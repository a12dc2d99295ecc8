"""Providers and their models."""

from __future__ import annotations

from functools import cached_property

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from wire.quirks import Quirks

from .catalog import removed_spec, spec_get, spec_known
from .catalog.types import CredentialField, ModelType, Protocol, ProviderSpec


class Provider(models.Model):
    """A provider of the code catalog, as an admin has set it up.

    The row holds only what admins own (``enabled``, a ``base_url`` override) and the ``slug`` and ``position``
    that tie it to its catalog entry; everything else is read from the catalog through ``spec``. A row whose slug
    has left the catalog reads ``removed_spec``: no fields, no model types. ``catalog_load`` disables it, the
    admin shows it as removed, and ``calls.resolve`` refuses to call it.
    """

    slug = models.SlugField(_("slug"), max_length=64, unique=True)
    base_url = models.CharField(
        _("base URL override"),
        max_length=500,
        blank=True,
        help_text=_("Leave blank to use the default base URL. A credential's own base URL wins over both."),
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "slug"]
        verbose_name = _("provider")
        verbose_name_plural = _("providers")

    def __str__(self) -> str:
        return self.name

    @cached_property
    def spec(self) -> ProviderSpec:
        """This provider's catalog entry (``removed_spec`` when the slug has left the catalog)."""
        return spec_get(self.slug) if self.in_catalog else removed_spec(self.slug)

    @property
    def in_catalog(self) -> bool:
        return spec_known(self.slug)

    # Catalog facts under the attribute names the rest of ModelDesk reads.
    @property
    def name(self) -> str:
        """The name in the active language."""
        return str(self.spec.name)

    display_name = name

    @property
    def description(self) -> str:
        return str(self.spec.description)

    @property
    def protocol(self) -> Protocol:
        return self.spec.protocol

    @property
    def default_base_url(self) -> str:
        return self.spec.default_base_url

    @property
    def effective_base_url(self) -> str:
        return self.base_url or self.spec.default_base_url

    @property
    def model_types(self) -> tuple[ModelType, ...]:
        return self.spec.model_types

    @property
    def custom_models(self) -> bool:
        return self.spec.custom_models

    @property
    def quirks(self) -> Quirks:
        return self.spec.quirks

    @property
    def credential_schema(self) -> tuple[CredentialField, ...]:
        return self.spec.credential_fields

    def schema_field(self, name: str) -> CredentialField | None:
        return next((f for f in self.credential_schema if f.name == name), None)

    def secret_field_names(self) -> list[str]:
        return [f.name for f in self.credential_schema if f.secret]


class ModelOrigin(models.TextChoices):
    PREDEFINED = "predefined", _("predefined")
    CUSTOM = "custom", _("custom")
    DISCOVERED = "discovered", _("discovered")


class ModelTypeChoices(models.TextChoices):
    LLM = ModelType.LLM.value, _("LLM")
    TEXT_EMBEDDING = ModelType.TEXT_EMBEDDING.value, _("Text embedding")
    RERANK = ModelType.RERANK.value, _("Rerank")
    SPEECH2TEXT = ModelType.SPEECH2TEXT.value, _("Speech to text")


class MaxTokensParam(models.TextChoices):
    PROVIDER = "", _("the provider's")
    MAX_TOKENS = "max_tokens", "max_tokens"
    MAX_COMPLETION_TOKENS = "max_completion_tokens", "max_completion_tokens"


class ProviderModel(models.Model):
    """A model one provider serves, addressed by the id its API uses.

    A model with a ``credential`` belongs to that credential's server only (self-hosted providers and Azure
    deployments, ``ProviderSpec.per_server_models``); without one it is offered to every credential of the provider.
    Price fields are an admin's overrides: blank means the catalog's price (or genai-prices').
    """

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="models", verbose_name=_("provider"))
    credential = models.ForeignKey(
        "credentials.Credential",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="models",
        verbose_name=_("server (credential)"),
        help_text=_("The credential whose server serves this model. Blank: every credential of the provider."),
    )
    name = models.CharField(_("model name"), max_length=200, help_text=_("The id the provider's API uses."))
    display_name = models.CharField(_("display name"), max_length=200, blank=True)
    model_type = models.CharField(_("type"), max_length=32, choices=ModelTypeChoices.choices)
    context_window = models.PositiveIntegerField(_("context window"), null=True, blank=True)
    max_output_tokens = models.PositiveIntegerField(_("max output tokens"), null=True, blank=True)
    supports_vision = models.BooleanField(_("vision"), default=False)
    supports_tool_call = models.BooleanField(_("tool calls"), default=False)
    supports_json_mode = models.BooleanField(_("JSON mode"), default=False)
    supports_streaming = models.BooleanField(_("streaming"), default=True)
    temperature_min = models.FloatField(_("temperature min"), null=True, blank=True)
    temperature_max = models.FloatField(_("temperature max"), null=True, blank=True)
    temperature_default = models.FloatField(_("temperature default"), null=True, blank=True)
    top_p_min = models.FloatField(_("top_p min"), null=True, blank=True)
    top_p_max = models.FloatField(_("top_p max"), null=True, blank=True)
    top_p_default = models.FloatField(_("top_p default"), null=True, blank=True)
    max_tokens_min = models.PositiveIntegerField(_("max_tokens min"), null=True, blank=True)
    max_tokens_max = models.PositiveIntegerField(_("max_tokens max"), null=True, blank=True)
    max_tokens_default = models.PositiveIntegerField(_("max_tokens default"), null=True, blank=True)
    accepts_temperature = models.BooleanField(
        _("accepts temperature"), default=True, help_text=_("Off: the API rejects any temperature.")
    )
    accepts_top_p = models.BooleanField(_("accepts top_p"), default=True)
    temperature_or_top_p = models.BooleanField(
        _("temperature or top_p, not both"), default=False, help_text=_("The API rejects the two together.")
    )
    max_tokens_param = models.CharField(
        _("token limit field"), max_length=32, choices=MaxTokensParam.choices, default="", blank=True
    )
    supports_reasoning = models.BooleanField(_("reasoning"), default=False)
    input_price = models.DecimalField(
        _("input price"), max_digits=12, decimal_places=6, null=True, blank=True, help_text=_("Per 1M tokens.")
    )
    output_price = models.DecimalField(
        _("output price"), max_digits=12, decimal_places=6, null=True, blank=True, help_text=_("Per 1M tokens.")
    )
    cached_input_price = models.DecimalField(
        _("cached input price"), max_digits=12, decimal_places=6, null=True, blank=True, help_text=_("Per 1M tokens.")
    )
    price_currency = models.CharField(
        _("currency"), max_length=3, blank=True, help_text=_("ISO code, e.g. USD or CNY. Blank with a price: USD.")
    )
    retires_on = models.DateField(_("retires on"), null=True, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    origin = models.CharField(_("origin"), max_length=16, choices=ModelOrigin.choices, default=ModelOrigin.CUSTOM)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    PARAMETERS = ("temperature", "top_p", "max_tokens")

    class Meta:
        ordering = ["provider__position", "model_type", "name"]
        verbose_name = _("model")
        verbose_name_plural = _("models")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "name", "model_type"],
                condition=models.Q(credential__isnull=True),
                name="providermodel_unique_per_provider_type",
            ),
            models.UniqueConstraint(
                fields=["credential", "name", "model_type"],
                condition=models.Q(credential__isnull=False),
                name="providermodel_unique_per_server_type",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider.slug}/{self.name}"

    def parameter_rules(self) -> dict[str, dict[str, float | None]]:
        return {
            p: {
                "min": getattr(self, f"{p}_min"),
                "max": getattr(self, f"{p}_max"),
                "default": getattr(self, f"{p}_default"),
            }
            for p in self.PARAMETERS
        }

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.provider_id and self.model_type and self.model_type not in self.provider.model_types:
            errors["model_type"] = str(
                _("%(provider)s does not offer %(type)s models.") % {"provider": self.provider, "type": self.model_type}
            )
        for parameter, rule in self.parameter_rules().items():
            lo, hi, default = rule["min"], rule["max"], rule["default"]
            if lo is not None and hi is not None and lo > hi:
                errors[f"{parameter}_max"] = str(_("The maximum must not be below the minimum."))
            elif default is not None and ((lo is not None and default < lo) or (hi is not None and default > hi)):
                errors[f"{parameter}_default"] = str(_("The default must lie between the minimum and maximum."))
        if (
            self.max_tokens_max is not None
            and self.max_output_tokens is not None
            and self.max_tokens_max > self.max_output_tokens
        ):
            errors["max_tokens_max"] = str(_("max_tokens cannot exceed the model's max output tokens."))
        if errors:
            raise ValidationError(errors)
