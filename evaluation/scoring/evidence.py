"""Evidence photos: a real JPEG, PNG or WebP image (opened and verified by Pillow, never judged
by its name), at most EVIDENCE_MAX_BYTES, with a JPEG thumbnail made beside it."""

from __future__ import annotations

import io
import warnings

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from .error_codes import ScoringErrorCode

EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
THUMBNAIL_SIZE = (320, 320)
FORMATS = {
    "JPEG": ("image/jpeg", ".jpg"),
    "PNG": ("image/png", ".png"),
    "WEBP": ("image/webp", ".webp"),
}
MAX_PIXELS = 50_000_000


def check_photo(upload) -> dict:
    """{"content_type", "ext", "width", "height", "size"} of an acceptable photo, or
    ValidationError({"photo": [...]}) naming the file."""
    name = getattr(upload, "name", "") or "?"
    size = getattr(upload, "size", None) or 0
    if size == 0:
        raise ValidationError(
            {
                "photo": [
                    ValidationError(
                        _("“%(name)s” is empty.") % {"name": name},
                        code=ScoringErrorCode.PHOTO_EMPTY,
                    )
                ]
            }
        )
    if size > EVIDENCE_MAX_BYTES:
        raise ValidationError(
            {
                "photo": [
                    ValidationError(
                        _("“%(name)s” is %(size)s MB; a photo may be at most %(max)s MB.")
                        % {
                            "name": name,
                            "size": round(size / 1024 / 1024, 1),
                            "max": EVIDENCE_MAX_BYTES // 1024 // 1024,
                        },
                        code=ScoringErrorCode.PHOTO_TOO_LARGE,
                    )
                ]
            }
        )
    not_image = ValidationError(
        {
            "photo": [
                ValidationError(
                    _("“%(name)s” is not a JPEG, PNG or WebP photo.") % {"name": name},
                    code=ScoringErrorCode.PHOTO_NOT_AN_IMAGE,
                )
            ]
        }
    )
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                fmt = image.format
                width, height = image.size
                image.verify()
    except Exception as exc:
        raise not_image from exc
    if fmt not in FORMATS or width * height > MAX_PIXELS:
        raise not_image
    content_type, ext = FORMATS[fmt]
    return {
        "content_type": content_type,
        "ext": ext,
        "width": width,
        "height": height,
        "size": size,
        "data": data,
    }


def make_thumbnail(data: bytes) -> ContentFile:
    with Image.open(io.BytesIO(data)) as image:
        image = ImageOps.exif_transpose(image)
        image.thumbnail(THUMBNAIL_SIZE)
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=82)
    return ContentFile(out.getvalue())
