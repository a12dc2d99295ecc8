"""Credential field factories shared by the vendor modules (canonical names: see ``types.CredentialField``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .types import CredentialField, FieldKind, Text

# A region id -> (its label in the region select, its base URL).
Regions = dict[str, tuple[str, str]]

API_KEY = _("API key")
BASE_URL = _("Base URL")
KEEP_THE_DEFAULT = _("Keep the default unless you call the API through a proxy or gateway.")


def api_key(help: Text, *, required: bool = True, label: Text = API_KEY) -> CredentialField:
    return CredentialField(name="api_key", label=label, secret=True, required=required, help=help)


def base_url(
    default: str,
    *,
    required: bool = False,
    help: Text = KEEP_THE_DEFAULT,
    label: Text = BASE_URL,
) -> CredentialField:
    return CredentialField(
        name="base_url", label=label, kind=FieldKind.URL, required=required, default=default, help=help
    )


def server_url(help: Text) -> CredentialField:
    """The base URL of a self-hosted server: required, no usable default."""
    return base_url("", required=True, label=_("Server URL"), help=help)


def optional_server_key() -> CredentialField:
    return api_key(_("Only if the server was started with authentication enabled."), required=False)


def region(regions: Regions, default: str, help: Text) -> CredentialField:
    """A region select; the region picks the base URL (``region_base_urls``) unless ``base_url`` is filled in."""
    return CredentialField(
        name="region",
        label=_("Region"),
        required=True,
        kind=FieldKind.SELECT,
        default=default,
        help=help,
        choices=tuple((region, label) for region, (label, _url) in regions.items()),
    )


def region_base_url() -> CredentialField:
    return base_url("", help=_("Blank = the selected region's endpoint. Fill in only for a proxy or a custom domain."))


def region_base_urls(regions: Regions) -> dict[str, str]:
    return {region: url for region, (_label, url) in regions.items()}
