"""django-axes' admin section speaks Simplified Chinese too, and its one action needs the delete permission."""

from __future__ import annotations

from axes.models import AccessAttempt
from django.urls import reverse


def test_the_login_protection_section_is_translated(admin_client):
    admin_client.cookies["django_language"] = "zh-hans"
    page = admin_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "登录保护" in page and "登录尝试" in page
    AccessAttempt.objects.create(username="alice", ip_address="127.0.0.1", failures_since_start=3)
    listing = admin_client.get(reverse("admin:axes_accessattempt_changelist"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "清理已过期的尝试" in listing.content.decode()


def test_the_section_is_named_for_what_it_does_in_english(admin_client):
    assert "Login protection" in admin_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
