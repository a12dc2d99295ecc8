"""A ``multipart/form-data`` body read by Django's own parser: the text fields and the one file
(``/v1/audio/transcriptions``)."""

from __future__ import annotations

from io import BytesIO

from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParser, MultiPartParserError
from django.utils.translation import gettext as _

from wire.types import AudioFile

from .openai_format import RequestError


def form(body: bytes, content_type: str) -> tuple[dict[str, str], AudioFile | None]:
    """The form's fields (the last value of each) and its ``file``; a body that is not a form is a 400."""
    if not content_type.lower().startswith("multipart/form-data"):
        raise RequestError(400, _("Send a multipart/form-data body with the audio as its file field."))
    meta = {"CONTENT_TYPE": content_type, "CONTENT_LENGTH": str(len(body))}
    request = HttpRequest()  # the upload handlers ask it nothing but its attributes
    handlers = [MemoryFileUploadHandler(request), TemporaryFileUploadHandler(request)]
    try:
        fields, files = MultiPartParser(meta, BytesIO(body), handlers, "utf-8").parse()
    except (MultiPartParserError, ValueError) as error:
        raise RequestError(400, _("The multipart form could not be read: %(error)s") % {"error": error}) from None
    upload = files.get("file")
    audio = None
    if upload is not None:
        try:
            content = upload.read()
        finally:
            upload.close()
        audio = AudioFile(upload.name or "audio", content, upload.content_type or "application/octet-stream")
    return {name: str(fields.get(name)) for name in fields}, audio
