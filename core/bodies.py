"""Request body limits, answered as JSON on every path: the middleware, and the checks the ASGI fast path
(``playground.fast``) makes with it."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.template.defaultfilters import filesizeformat
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

logger = logging.getLogger("django.security.RequestDataTooBig")

LIMIT_ERRORS = (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)
LimitError = RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent


class RequestBodyLimitMiddleware:
    """Refuse a body over ``REQUEST_BODY_MAX_BYTES`` with a JSON 413, and too many form fields with a JSON 400.

    It runs before anything reads the body: a declared ``Content-Length`` over the limit is refused without
    reading; a body without one (chunked: Django's ASGI handler has buffered it already, on disk past
    ``FILE_UPLOAD_MAX_MEMORY_SIZE``) is measured before it is read into memory, through Django's own check of
    ``DATA_UPLOAD_MAX_MEMORY_SIZE``, set from the same setting; a form post is parsed here, so that Django's
    own ``RequestDataTooBig`` / ``TooManyFieldsSent`` become these answers instead of its HTML 400 page, even
    when the CSRF middleware is the first to read the form. Anything that reads the body later (a JSON view)
    has its error turned into the same answer by ``process_exception``.

    HTML pages get the JSON answer too: only a script or a tampered form sends such a body, and a second error
    page format would add nothing for them.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        refusal = body_refusal(request)
        return refusal if refusal is not None else self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponseBase | None:
        return limit_response(request, exception) if isinstance(exception, LIMIT_ERRORS) else None


def body_refusal(request: HttpRequest) -> JsonResponse | None:
    """The middleware's answer to a body over a limit, or None (also for the ASGI fast path: ``playground.fast``)."""
    declared = str(request.META.get("CONTENT_LENGTH") or "")
    if declared and not (declared.isascii() and declared.isdigit()):
        return _error(request, 400, "bad_request", gettext_noop("The Content-Length header is not a number."))
    if declared and int(declared) > body_limit(request):
        return limit_response(request, RequestDataTooBig())
    try:
        if not declared and len(request.body) > body_limit(request):
            raise RequestDataTooBig()
        if request.method == "POST":
            request.POST  # noqa: B018 -- parsed now, so that its limit errors are answered here
    except LIMIT_ERRORS as exc:
        return limit_response(request, exc)
    return None


def body_limit(request: HttpRequest) -> int:
    return path_body_limit(request.path)


def path_body_limit(path: str) -> int:
    """The body limit of a path: larger where a form uploads an image (``REQUEST_BODY_UPLOAD_PATHS``)."""
    if path in settings.REQUEST_BODY_UPLOAD_PATHS:
        return int(settings.REQUEST_BODY_UPLOAD_MAX_BYTES)
    return int(settings.REQUEST_BODY_MAX_BYTES)


def limit_response(request: HttpRequest, exception: LimitError) -> JsonResponse:
    """The answer to a request over a limit: 413 for the body size, 400 for the number of fields or files."""
    if isinstance(exception, TooManyFieldsSent):
        message = gettext_noop("The request has more than %(limit)s fields.")
        return _error(request, 400, "too_many_fields", message, settings.DATA_UPLOAD_MAX_NUMBER_FIELDS)
    if isinstance(exception, TooManyFilesSent):
        message = gettext_noop("The request has more than %(limit)s files.")
        return _error(request, 400, "too_many_files", message, settings.DATA_UPLOAD_MAX_NUMBER_FILES)
    limit = body_limit(request)
    logger.warning("Refused a request body over %d bytes: %s %r", limit, request.method, request.path)
    message = gettext_noop("The request body is larger than the limit of %(limit)s.")
    return _error(request, 413, "request_too_large", message, limit, size=True)


def _error(
    request: HttpRequest, status: int, kind: str, message: str, limit: int | None = None, *, size: bool = False
) -> JsonResponse:
    """``{"error": {"type", "message"}}``, as the playground API answers, in the language the client asks for.

    LocaleMiddleware has not run yet for ``__call__``, so the language is chosen here the way it chooses it.
    """
    with translation.override(translation.get_language_from_request(request)):
        text = gettext(message)
        if limit is not None:
            text %= {"limit": filesizeformat(limit) if size else limit}
    return JsonResponse({"error": {"type": kind, "message": text}}, status=status)
