"""Secrets are redacted, whole and in fragments, before any provider text is cut or shown."""

from __future__ import annotations

import base64
import gc
import json
import logging
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calls import services
from calls.models import CallLog
from core.errors import ProviderError
from credentials.models import Credential
from wire.redaction import (
    FRAGMENT,
    MAX_DETAIL,
    REDACTED,
    Redactor,
    clean,
    escape_control,
    redact_live,
    sanitize_record,
)
from wire.types import Message

KEY = "sk-proj-Zq8vR2mXk4Lp9TnW7cYb3HdF6gJs"
HI = [Message("user", "hi")]


def fragments(secret: str, size: int = FRAGMENT) -> list[str]:
    return [secret[i : i + size] for i in range(len(secret) - size + 1)]


def assert_no_fragment(text: str, secret: str = KEY) -> None:
    found = [piece for piece in fragments(secret) if piece in text]
    assert not found, f"fragments of the secret survived: {found[:3]}"


@pytest.mark.parametrize(
    "form",
    [
        KEY,
        quote(KEY, safe=""),
        quote_plus(KEY),
        json.dumps(KEY)[1:-1],
        base64.b64encode(f"user:{KEY}".encode()).decode(),
        base64.urlsafe_b64encode(f"u:{KEY}".encode()).decode(),
        base64.b64encode(f"{KEY}".encode()).decode(),
    ],
)
def test_every_written_form_of_a_secret_is_redacted(form):
    text = clean(f"error: {form} was rejected", Redactor([KEY]), limit=10_000)
    assert REDACTED in text
    for piece in fragments(form):
        if piece in fragments(base64.b64encode(KEY.encode()).decode()) or piece in fragments(KEY):
            assert piece not in text


def test_a_long_message_is_redacted_before_it_is_cut():
    """The review's case: 280 characters, then the key. A cut first would keep the key's first 19 characters."""
    message = "x" * 281 + KEY
    text = clean(message, Redactor([KEY]))
    assert len(text) <= MAX_DETAIL
    assert KEY[:FRAGMENT] not in text and KEY[:19] not in text


def test_fragments_of_eight_characters_are_redacted_and_shorter_ones_are_not():
    redact = Redactor([KEY])
    assert redact(f"prefix {KEY[3:11]} suffix") == f"prefix {REDACTED} suffix"
    assert redact(f"only {KEY[3:10]} here") == f"only {KEY[3:10]} here"


def test_text_without_a_secret_is_left_as_it_is():
    redact = Redactor([KEY])
    assert redact("The model is overloaded, try again later.") == "The model is overloaded, try again later."


def test_short_secrets_are_redacted_whole_only():
    assert Redactor(["abcd12"])("value abcd12 and abcd") == f"value {REDACTED} and abcd"


@settings(max_examples=200, deadline=None)
@given(
    secret=st.text(alphabet=st.characters(codec="ascii", categories=["L", "N", "P"]), min_size=12, max_size=64),
    before=st.text(max_size=40),
    after=st.text(max_size=40),
    start=st.integers(min_value=0, max_value=63),
    size=st.integers(min_value=FRAGMENT, max_value=64),
)
def test_any_fragment_of_eight_or_more_characters_is_redacted(secret, before, after, start, size):
    """Wherever a run of 8+ characters of a secret lands in a text, it is gone after redaction."""
    piece = secret[start : start + size]
    if len(piece) < FRAGMENT:
        return
    text = Redactor([secret])(before + piece + after)
    assert piece not in text
    assert all(f not in text for f in fragments(piece))


def test_the_log_hook_knows_only_live_secrets():
    redact = Redactor(["sk-live-secret-value-123456"])
    assert redact_live("leaked sk-live-secret-value-123456") == f"leaked {REDACTED}"
    del redact
    gc.collect()
    assert redact_live("leaked sk-live-secret-value-123456") == "leaked sk-live-secret-value-123456"


def test_log_records_are_redacted_and_cannot_forge_lines():
    keep = Redactor([KEY])
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "model %s key %s", ("a\nFORGED b\x1b[31m", KEY), None)
    message = sanitize_record(record).getMessage()
    assert "\n" not in message and "\x1b" not in message
    assert "a\\nFORGED b\\x1b[31m" in message
    assert_no_fragment(message)
    assert keep


def test_escape_control_keeps_ordinary_text():
    assert escape_control("模型 gpt-4o · ok") == "模型 gpt-4o · ok"
    assert escape_control("a\u202eb\x00") == "a\\u202eb\\x00"


def test_a_provider_echoing_a_long_message_and_the_key_leaves_no_fragment(point_at, canary):
    """The review's first defect, end to end: CallLog, the error, the credential's last error."""
    credential = point_at("openai_compatible")
    with pytest.raises(ProviderError) as info:
        services.chat(credential=credential, model="echo-1-fault-echo-key-long", messages=HI)
    assert_no_fragment(str(info.value), canary)
    assert_no_fragment(CallLog.objects.get().message, canary)
    assert "[REDACT" in str(info.value)  # redacted, then cut


def test_a_provider_echoing_the_key_encoded_leaves_no_fragment(point_at, canary):
    credential = point_at("openai_compatible")
    with pytest.raises(ProviderError) as info:
        services.chat(credential=credential, model="echo-1-fault-echo-key-encoded", messages=HI)
    assert_no_fragment(str(info.value), canary)
    basic = base64.b64encode(f"user:{canary}".encode()).decode()
    assert basic[8:30] not in str(info.value)


def test_a_failed_connection_test_stores_no_fragment(point_at, canary, fake_provider):
    credential = point_at("openai_compatible")
    fake_provider.fault = "echo-key-long"
    check = services.credential_test(credential=credential)
    assert not check.ok
    stored = Credential.objects.get(pk=credential.pk).last_error
    assert_no_fragment(check.error + stored, canary)


def test_a_rate_limit_longer_than_the_cap_says_how_long_to_wait(point_at):
    credential = point_at("openai_compatible")
    with pytest.raises(ProviderError) as info:
        services.chat(credential=credential, model="echo-1-fault-echo-key-429", messages=HI)
    assert info.value.error_type == "rate_limited"
    assert info.value.attempts == 1
    assert "wait 1 h before trying again" in str(info.value)


def test_uvicorns_access_log_keeps_the_arguments_its_formatter_unpacks(caplog):
    """uvicorn's AccessFormatter unpacks ``record.args`` (client, method, path, version, status): folding them into
    the message broke every access line of ``make run``. They are cleaned one by one instead."""
    import logging

    from uvicorn.logging import AccessFormatter

    from wire.redaction import sanitize_record

    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("1.2.3.4:5", "GET", "/a\nb", "1.1", 200),
        None,
    )
    sanitize_record(record)
    line = AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s', use_colors=False).format(record)
    assert line == '1.2.3.4:5 - "GET /a\\nb HTTP/1.1" 200 OK'
