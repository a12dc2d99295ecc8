from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GatewayConfig(AppConfig):
    name = "gateway"
    verbose_name = _("Gateway")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from calls import usage_report

        from . import receivers
        from .keys import key_names

        receivers.connect()
        usage_report.api_key_names = key_names  # the usage dashboard names the keys it filters and groups by
