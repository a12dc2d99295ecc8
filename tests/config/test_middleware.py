"""The request body limit: bodies over ``REQUEST_BODY_MAX_BYTES`` and forms over Django's field limit get a JSON
answer on every path (never Django's HTML 400, never a 500), before anything is stored."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests import asgi_client

RUN, STREAM, MODELS = "/playground/api/run/", "/playground/api/stream/", "/playground/api/models/"
TEN_MB = 10 * 1024 * 1024


def assert_too_large(response, size="1.0\xa0MB"):
    assert response.status_code == 413, response.content[:300]
    error = response.json()["error"]
    assert error["type"] == "request_too_large" and size in error["message"], error


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_superuser(username="staff", password="pw-staff-123")


@pytest.mark.parametrize("path", ["/playground/compare/", "/accounts/login/", "/admin/login/", "/no/such/page/"])
def test_html_pages_and_unknown_paths_get_the_same_json_413(client, db, path):
    """Every path gets the JSON 413, HTML pages included: only a script or a tampered form sends such a body."""
    assert_too_large(client.post(path, {"message": "x" * TEN_MB}))


def test_the_message_is_translated(admin_client):
    """The reason is in the language the client asks for, although LocaleMiddleware has not run yet."""
    response = admin_client.post(RUN, {"message": "x" * TEN_MB}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 413 and "请求体超过了" in response.json()["error"]["message"]


def test_the_limit_is_a_setting(admin_client, settings):
    """``REQUEST_BODY_MAX_BYTES`` is read per request, and the message names it."""
    settings.REQUEST_BODY_MAX_BYTES = settings.REQUEST_BODY_UPLOAD_MAX_BYTES = 2048
    assert_too_large(admin_client.post(RUN, {"message": "x" * 4096}), size="2.0\xa0KB")
    assert admin_client.post(RUN, {"message": "x" * 1024}).status_code == 400  # on to the form: no credential


def test_the_run_endpoints_take_an_image_of_a_few_megabytes_but_text_stays_within_the_limit(admin_client):
    """An image upload (up to 5 MB, checked by the form) passes the body limit of the run endpoints; text fields
    are still held to Django's in-memory limit, the same 1 MiB as everywhere."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    def image() -> SimpleUploadedFile:
        return SimpleUploadedFile("big.png", b"\x89PNG\r\n\x1a\n" + b"\0" * (2 * 1024 * 1024), "image/png")

    response = admin_client.post(RUN, {"message": "hi", "image": image()})
    assert response.status_code == 400 and "credential" in response.json()["errors"]  # on to the form
    assert_too_large(admin_client.post(RUN, {"message": "x" * (2 * 1024 * 1024)}), size="7.0\xa0MB")
    assert_too_large(admin_client.post("/playground/compare/", {"image": image()}))


def test_csrf_checked_posts_get_the_json_413_too(staff):
    """With CSRF enforced (as in production), the CSRF middleware's reading of the form cannot answer first."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    assert_too_large(client.post(RUN, {"message": "x" * TEN_MB}), size="7.0\xa0MB")


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "application/json"])
def test_djangos_own_request_data_too_big_becomes_the_json_413(admin_client, settings, content_type):
    """When Django's own lazy check fires while the body is read (here its DATA_UPLOAD_MAX_MEMORY_SIZE is set
    below the limit), by the form parsing or by the JSON view, the answer is the JSON 413, not an HTML 400."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"message": "x" * 5000}) if content_type == "application/json" else "message=" + "x" * 5000
    response = admin_client.post(RUN, body, content_type=content_type)
    assert response.status_code == 413 and response.json()["error"]["type"] == "request_too_large"


@pytest.mark.parametrize("enforce_csrf", [False, True])
def test_too_many_form_fields_are_a_json_400(staff, enforce_csrf):
    """More fields than DATA_UPLOAD_MAX_NUMBER_FIELDS (1000) is a JSON 400 naming the limit."""
    client = Client(enforce_csrf_checks=enforce_csrf)
    client.force_login(staff)
    response = client.post(RUN, {f"f{i}": "1" for i in range(1001)})
    assert response.status_code == 400
    assert response.json()["error"] == {"type": "too_many_fields", "message": "The request has more than 1000 fields."}


def test_too_many_query_parameters_are_a_json_400(admin_client):
    """The same limit on a query string, which the view reads, is answered the same way."""
    response = admin_client.get(MODELS + "?" + "&".join(f"f{i}=1" for i in range(1001)))
    assert response.status_code == 400 and response.json()["error"]["type"] == "too_many_fields"


def test_a_content_length_that_is_not_a_number_is_a_json_400(admin_client):
    """Django would fail with a ValueError reading such a body; the answer is a 400 instead."""
    response = admin_client.post(
        RUN, "message=hi", content_type="application/x-www-form-urlencoded", CONTENT_LENGTH="12x"
    )
    assert response.status_code == 400 and response.json()["error"]["type"] == "bad_request"


def asgi_post(path: str, chunks: list[bytes], headers: list[tuple[bytes, bytes]]) -> tuple[int, dict[str, Any]]:
    """POST through the ASGI handler uvicorn serves without a Content-Length, the body in chunks (as uvicorn passes a
    chunked upload); returns the status and the JSON body."""
    status, body = asgi_client.asgi_post(path, chunks, [(b"transfer-encoding", b"chunked"), *headers])
    return status, json.loads(body) if body.startswith(b"{") else {}


@pytest.mark.parametrize("content_type", [b"application/json", b"application/x-www-form-urlencoded"])
def test_a_chunked_upload_over_the_limit_is_a_json_413(content_type):
    """Without a Content-Length, the body's real size counts: 10 MB in 64 KiB chunks is refused."""
    status, body = asgi_post(RUN, [b"x" * 65536] * (TEN_MB // 65536), [(b"content-type", content_type)])
    assert status == 413 and body["error"]["type"] == "request_too_large"


def test_a_small_chunked_upload_passes_the_limit():
    """A small chunked body goes on to the next checks (here CSRF, which refuses a post without its token)."""
    status, _body = asgi_post(RUN, [b'{"message": ', b'"hi"}'], [(b"content-type", b"application/json")])
    assert status == 403
