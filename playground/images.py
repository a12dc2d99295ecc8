"""Images attached to a playground message: a PNG, JPEG, WebP or GIF file of at most 5 MB, or an image URL.

A file is sent inline (base64 with its media type, which comes from its extension and must match its first
bytes); a URL is sent as it is, for the provider to fetch. The image is stored with its message
(``models.MessageImage``): the transcript shows it, and regenerating or editing the message sends it again. The
message's text gets a note such as ``[image: cat.png]``, and history sent back in later turns is that text only
(an image in every later turn would cost its tokens again and again).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from wire.types import ImagePart

from .models import Message, MessageImage, image_note

IMAGE_MAX_BYTES = 5 * 1024 * 1024
IMAGE_URL_MAX_LENGTH = 2048
MEDIA_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".gif": "image/gif",
}


class ImageError(ValueError):
    """An image that cannot be attached; the message says why, in one line, in the active language."""


@dataclass(frozen=True)
class Attachment:
    """An image for the model, and the label the stored message keeps instead of it."""

    image: ImagePart
    label: str

    @property
    def note(self) -> str:
        return image_note(self.label)


def _looks_like(media_type: str, head: bytes) -> bool:
    if media_type == "image/png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if media_type == "image/jpeg":
        return head.startswith(b"\xff\xd8\xff")
    if media_type == "image/gif":
        return head.startswith((b"GIF87a", b"GIF89a"))
    return head[:4] == b"RIFF" and head[8:12] == b"WEBP"


def media_type_of(name: str) -> str:
    """The media type for a file name's extension; ``ImageError`` for anything but PNG, JPEG, WebP and GIF."""
    media_type = MEDIA_TYPES.get(PurePosixPath(name.replace("\\", "/")).suffix.lower())
    if media_type is None:
        raise ImageError(_("%(name)s is not a PNG, JPEG, WebP or GIF image.") % {"name": name or _("The file")})
    return media_type


def size_problem(name: str, size: int) -> str | None:
    if size > IMAGE_MAX_BYTES:
        return _("%(name)s is larger than 5 MB.") % {"name": name}
    if size == 0:
        return _("%(name)s is empty.") % {"name": name}
    return None


def image_from_bytes(name: str, content: bytes) -> Attachment:
    """A file's image, sent inline. Raises ``ImageError`` for an unknown type, a wrong type or a size over 5 MB."""
    media_type = media_type_of(name)
    problem = size_problem(name, len(content))
    if problem:
        raise ImageError(problem)
    if not _looks_like(media_type, content[:16]):
        raise ImageError(_("%(name)s is not a valid %(type)s image.") % {"name": name, "type": media_type})
    label = PurePosixPath(name.replace("\\", "/")).name
    return Attachment(ImagePart(data=base64.b64encode(content).decode("ascii"), media_type=media_type), label)


def image_from_url(url: str) -> Attachment:
    """An http(s) image URL, sent as it is. The stored note keeps its file name only, never its query string."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc or len(url) > IMAGE_URL_MAX_LENGTH:
        raise ImageError(_("Enter an http:// or https:// image URL."))
    return Attachment(ImagePart(url=url), PurePosixPath(parts.path).name or parts.netloc)


def image_rows(message: Message, attachments: tuple[Attachment, ...]) -> list[MessageImage]:
    """The rows that keep ``attachments`` with their ``message`` (not yet saved)."""
    return [
        MessageImage(
            message=message,
            position=position,
            name=a.label,
            media_type=a.image.media_type,
            data=base64.b64decode(a.image.data) if a.image.data else None,
            url=a.image.url,
        )
        for position, a in enumerate(attachments)
    ]


def stored_attachments(message: Message) -> tuple[Attachment, ...]:
    """The images a stored message was sent with, to send them again (regenerate, edit and resend)."""
    return tuple(
        Attachment(
            ImagePart(url=row.url)
            if row.url
            else ImagePart(data=base64.b64encode(bytes(row.data or b"")).decode("ascii"), media_type=row.media_type),
            row.name,
        )
        for row in message.images.all()
    )
