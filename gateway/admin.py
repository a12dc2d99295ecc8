"""API keys and routes in the admin. A key is made here (shown once, on the page after saving), listed by its
visible prefix, revoked by an action. A route is edited with its deployments, each shown with its health: serving,
or cooling down until when and why (``gateway.health``, shared by every process)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from core.errors import error_type_title

from . import health
from .keys import api_key_create, api_key_revoke
from .models import ApiKey, Deployment, Route


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix_shown", "owner", "expires_at", "revoked_at", "created_at")
    list_filter = ("revoked_at", "expires_at")
    search_fields = ("name", "prefix", "owner__username")
    fields = ("name", "owner", "allowed_models", "expires_at", "rpm_limit", "tpm_limit")
    actions = ("revoke",)

    @admin.display(description=_("key"))
    def prefix_shown(self, key: ApiKey) -> str:
        return f"{key.prefix}…"

    def save_model(self, request: HttpRequest, obj: ApiKey, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        key, plaintext = api_key_create(
            owner=obj.owner,
            name=obj.name,
            expires_at=obj.expires_at,
            models=obj.allowed_models or (),
            rpm_limit=obj.rpm_limit,
            tpm_limit=obj.tpm_limit,
        )
        obj.pk, obj.prefix, obj.digest, obj.created_at = key.pk, key.prefix, key.digest, key.created_at
        obj._state.adding = False
        request._md_new_api_key = plaintext  # type: ignore[attr-defined]  # for response_add, this request only

    def response_add(self, request: HttpRequest, obj: ApiKey, post_url_continue: str | None = None) -> HttpResponse:
        """The new key on the page that answers the save, once: never in a message, which a cookie or the
        session would carry to the next page."""
        plaintext = getattr(request, "_md_new_api_key", None)
        if plaintext is None:
            return super().response_add(request, obj, post_url_continue)
        context = {**self.admin_site.each_context(request), "opts": self.opts, "key": obj, "plaintext": plaintext}
        response = TemplateResponse(request, "admin/gateway/apikey/created.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=_("Revoke the selected keys"), permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        for key in queryset:
            api_key_revoke(key)
        self.message_user(request, gettext("Revoked %(count)d keys.") % {"count": queryset.count()})


def _health(cooling: health.Cooling | None) -> str:
    if cooling is None:
        return format_html('<span class="md-status md-status-ok">{}</span>', gettext("Serving"))
    until = timezone.localtime(timezone.now() + timedelta(seconds=cooling.remaining))
    detail = gettext("until %(time)s · %(reason)s") % {
        "time": date_format(until, "H:i:s"),
        "reason": error_type_title(cooling.reason),
    }
    return format_html(
        '<span class="md-status md-status-needs_reentry">{}</span> <span class="md-when">{}</span>',
        gettext("Cooling down"),
        detail,
    )


class DeploymentInline(admin.TabularInline):
    model = Deployment
    extra = 1
    fields = ("credential", "model", "weight", "priority", "enabled", "health")
    readonly_fields = ("health",)
    autocomplete_fields = ("credential",)

    @admin.display(description=_("health"))
    def health(self, deployment: Deployment) -> str:
        if deployment.pk is None:
            return "—"
        return _health(health.store().cooling([deployment.pk]).get(deployment.pk))


@admin.register(Route)
class RouteAdmin(admin.ModelAdmin):
    list_display = ("name", "enabled", "deployments_shown", "cooldown_seconds", "health_shown")
    list_filter = ("enabled",)
    search_fields = ("name", "deployments__model", "deployments__credential__name")
    fields = ("name", "enabled", "cooldown_seconds")
    inlines = (DeploymentInline,)
    actions = ("end_cooldowns",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Route]:
        return super().get_queryset(request).prefetch_related("deployments__credential")

    @admin.display(description=_("deployments"))
    def deployments_shown(self, route: Route) -> str:
        return ", ".join(str(d) for d in route.deployments.all())

    @admin.display(description=_("health"))
    def health_shown(self, route: Route) -> str:
        deployments = [d for d in route.deployments.all() if d.enabled]
        cooling = health.store().cooling([d.pk for d in deployments])
        serving = len(deployments) - len(cooling)
        label = gettext("%(serving)d of %(total)d serving") % {"serving": serving, "total": len(deployments)}
        css = "md-status-ok" if not cooling else "md-status-needs_reentry"
        return format_html('<span class="md-status {}">{}</span>', css, label)

    @admin.action(description=_("End the cooldowns of the selected routes' deployments"), permissions=["change"])
    def end_cooldowns(self, request: HttpRequest, queryset: QuerySet[Route]) -> None:
        """For an admin who fixed a deployment (a new key, a raised limit): back into service at once, in every
        process."""
        ids = list(Deployment.objects.filter(route__in=queryset).values_list("pk", flat=True))
        store = health.store()
        cooling = store.cooling(ids)
        for deployment_id in cooling:
            store.recover(deployment_id)
        count = len(cooling)
        message = ngettext(
            "%(count)d deployment is back in service.", "%(count)d deployments are back in service.", count
        )
        self.message_user(request, message % {"count": count})
