from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransferConfig(AppConfig):
    """Moving the configuration between installations: ``export_config`` and ``import_config``."""

    name = "transfer"
    verbose_name = _("Export and import")
