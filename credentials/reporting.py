"""Keep secrets out of Django's error reports (the DEBUG page, error e-mails, logged reports)."""

from __future__ import annotations

import re
from typing import Any

from django.http import HttpRequest
from django.views.debug import SafeExceptionReporterFilter

from .forms import PREFIX


class SecretsExceptionReporterFilter(SafeExceptionReporterFilter):
    """Also cleanse credential form fields and anything that looks like a key, on every view.

    Django only cleanses POST data for views marked ``sensitive_post_parameters``; the admin's change views are
    not, and they receive API keys.
    """

    sensitive_post = re.compile(r"API|KEY|TOKEN|SECRET|PASS|SIGNATURE|AUTH|^" + re.escape(PREFIX), flags=re.I)

    def get_post_parameters(self, request: HttpRequest | None) -> Any:
        params = super().get_post_parameters(request)
        if request is None or not params:
            return params
        cleansed = params.copy()
        for name in cleansed:
            if self.sensitive_post.search(name):
                cleansed[name] = self.cleansed_substitute
        return cleansed
