"""The provider admin: catalog facts as computed columns, translated, searchable by name."""

from __future__ import annotations

import pytest
from django.utils import translation

from providers.models import Provider


@pytest.fixture(autouse=True)
def _language_restored():
    """A request in Chinese leaves Chinese active in this thread; the next test gets back what it had."""
    with translation.override(translation.get_language()):
        yield


def _chinese(client, url: str, **params: str) -> str:
    client.cookies["django_language"] = "zh-hans"
    return client.get(url, params, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()


def test_provider_search_matches_catalog_names_in_either_language(admin_client, catalog):
    """Names are not columns: the search still finds Qwen by 通义, by DashScope and by its slug."""
    change = f"/admin/providers/provider/{Provider.objects.get(slug='qwen').pk}/change/"
    for term in ("通义", "DashScope", "qwen"):
        page = admin_client.get("/admin/providers/provider/", {"q": term}).content.decode()
        assert change in page, term
    assert change not in admin_client.get("/admin/providers/provider/", {"q": "anthropic"}).content.decode()


def test_the_provider_pages_speak_chinese(admin_client, catalog):
    """Names, descriptions and credential labels come out in Chinese when Chinese is the active language."""
    listing = _chinese(admin_client, "/admin/providers/provider/")
    assert "通义千问（阿里云百炼）" in listing and "月之暗面 Kimi" in listing
    qwen = Provider.objects.get(slug="qwen")
    page = _chinese(admin_client, f"/admin/providers/provider/{qwen.pk}/change/")
    assert "通过阿里云百炼（DashScope）OpenAI 兼容模式调用通义千问系列模型。" in page
    assert "API 密钥" in page and "地域" in page


def test_the_credential_form_speaks_chinese(admin_client, catalog):
    """The generated credential form takes its labels and help texts from the translated catalog."""
    azure = Provider.objects.get(slug="azure_openai")
    page = _chinese(admin_client, "/admin/credentials/credential/add/", provider=str(azure.pk))
    assert "终结点" in page and "部署映射" in page and "未列出的模型以模型名作为部署名。" in page
