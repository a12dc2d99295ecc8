"""System checks: a missing or malformed encryption key setting stops the app with a clear message."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from .crypto import SETTING, KeySettingError, parse_key_ring


@register()
def check_encryption_keys(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    try:
        parse_key_ring(getattr(settings, SETTING, ""))
    except KeySettingError as exc:
        return [Error(str(exc), hint="See README: Encryption keys.", id="credentials.E001")]
    return []
