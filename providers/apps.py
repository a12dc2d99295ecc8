from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProvidersConfig(AppConfig):
    name = "providers"
    verbose_name = _("Providers and models")

    def ready(self) -> None:
        from wire.redaction import install_log_sanitizer

        # Every log record of this process, ours and httpx/httpcore's, is redacted of live secrets and
        # escaped of control characters, whichever handler it reaches (console, Celery's, pytest's).
        install_log_sanitizer()
