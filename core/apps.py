from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("ModelDesk")

    def ready(self) -> None:
        # django-axes names its admin section "Axes"; people look for what it does.
        apps.get_app_config("axes").verbose_name = _("Login protection")
        from . import receivers

        receivers.connect()
