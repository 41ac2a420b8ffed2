import contextlib
import re

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

MAX_IMAGE_BYTES = 2 * 1024 * 1024
MAX_IMAGE_SIDE = 2000
ALLOWED_IMAGE_FORMATS = {"PNG", "JPEG"}

MATTER_CODE_RE = re.compile(r"^[A-Za-z0-9-]{1,64}$")
matter_code_validator = RegexValidator(
    MATTER_CODE_RE,
    _("A matter code is 1 to 64 letters, digits and hyphens, e.g. 511A0138000000 or QST-MZ-001."),
    code="invalid_code",
)


def validate_brand_image(value) -> None:
    """A real PNG or JPEG, at most 2 MB and 2000×2000 pixels (checked with Pillow)."""
    from PIL import Image, UnidentifiedImageError

    if not value:
        return
    size = getattr(value, "size", None)
    if size is not None and size > MAX_IMAGE_BYTES:
        raise ValidationError(
            _("The image is %(size).1f MB; at most 2 MB is allowed."),
            code="image_too_large",
            params={"size": size / 1024 / 1024},
        )
    fileobj = getattr(value, "file", value)
    try:
        fileobj.seek(0)
        with Image.open(fileobj) as image:
            image_format = image.format
            width, height = image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(
            _("The file is not a PNG or JPEG image."), code="not_an_image"
        ) from None
    finally:
        with contextlib.suppress(OSError, ValueError):
            fileobj.seek(0)
    if image_format not in ALLOWED_IMAGE_FORMATS:
        raise ValidationError(
            _("The file is a %(format)s image; only PNG or JPEG is allowed."),
            code="image_format",
            params={"format": image_format},
        )
    if width > MAX_IMAGE_SIDE or height > MAX_IMAGE_SIDE:
        raise ValidationError(
            _("The image is %(width)d×%(height)d pixels; at most 2000×2000 is allowed."),
            code="image_dimensions",
            params={"width": width, "height": height},
        )
