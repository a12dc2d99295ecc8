"""Errors speak the user's language where ModelDesk wrote them: the title and the frame are translated, the
provider is named as the user's language names it, and the provider's own words are kept as they are."""

from __future__ import annotations

from django.utils import translation

from core.errors import ProviderUnavailable, RateLimited, error_type_title


def test_a_provider_error_in_chinese_keeps_the_providers_own_words():
    error = ProviderUnavailable("upstream timed out", provider="Qwen", model="qwen-plus", status=500)
    with translation.override("zh-hans"):
        text = error.user_message(provider_name="通义千问（阿里云百炼）")
    assert text == "供应商不可用（HTTP 500），来自 通义千问（阿里云百炼） / qwen-plus：upstream timed out"
    assert str(error) == "Provider unavailable (HTTP 500) from Qwen / qwen-plus: upstream timed out"


def test_the_wait_the_provider_asks_for_is_translated_too():
    error = RateLimited("slow down", provider="OpenAI", model="gpt-4o", status=429, retry_after=90)
    with translation.override("zh-hans"):
        assert error.user_message().endswith("供应商要求等待 1 min 30 s 后再试。")


def test_error_types_have_names_in_both_languages():
    assert error_type_title("provider_unavailable") == "Provider unavailable"
    with translation.override("zh-hans"):
        assert error_type_title("provider_unavailable") == "供应商不可用"
        assert error_type_title("cancelled") == "已取消"
        assert error_type_title("something-new") == "something-new"
