from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallsConfig(AppConfig):
    name = "calls"
    verbose_name = _("Calls")

    def ready(self) -> None:
        from wire.redaction import install_log_sanitizer

        from . import receivers

        # Every log record of this process, ours and httpx/httpcore's, is redacted of live secrets and
        # escaped of control characters, whichever handler it reaches (console, Celery's, pytest's).
        install_log_sanitizer()
        receivers.connect()
