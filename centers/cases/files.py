"""Scans attached to a case: images and PDF only, recognised by their content (never by the
name or the browser's word), at most SCAN_MAX_BYTES each. The one place every scan passes
through, from the desk, the API, the exchange and the online application:

- a PDF is opened with pypdf and refused when it does not parse, is password-protected, or
  carries JavaScript, actions that run by themselves (an /OpenAction or /AA that runs script or
  launches a program, any additional actions), Launch actions or embedded / attached files;
- an image is decoded and re-encoded with Pillow in its own format, the EXIF orientation
  applied, so EXIF (GPS included), comments and anything after the image data are gone.

`check_scan` does all of it before anything is saved (a refusal saves nothing); `store_scan`
writes the re-encoded bytes. The online application also has a total per application and a
daily total per center for anonymous uploads (`check_application_uploads`)."""

from __future__ import annotations

import io
import logging
import os
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from .error_codes import CaseErrorCode, coded
from .models import Case, CaseFile, CaseMaterial

logger = logging.getLogger(__name__)

SCAN_MAX_BYTES = 10 * 1024 * 1024
# Leading bytes of each accepted type.
SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"GIF87a", "image/gif", "gif"),
    (b"GIF89a", "image/gif", "gif"),
    (b"II*\x00", "image/tiff", "tif"),
    (b"MM\x00*", "image/tiff", "tif"),
)
EXTENSIONS = {content_type: ext for _sig, content_type, ext in SIGNATURES}
# Pillow's format of each accepted image type (the re-encoded file keeps it).
IMAGE_FORMATS = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/gif": "GIF",
    "image/tiff": "TIFF",
    "image/webp": "WEBP",
}
# A scan of an A4 page at 600 dpi is about 35 million pixels.
IMAGE_MAX_PIXELS = 60_000_000
JPEG_QUALITY = 90
# A PDF whose object graph is larger than this is refused rather than walked.
PDF_MAX_OBJECTS = 200_000
# What a scan never needs: scripts, actions that run by themselves, programs, attached files.
PDF_SCRIPT_KEYS = frozenset({"/JS", "/JavaScript", "/XFA"})
PDF_ACTION_TYPES_REFUSED = {
    "/JavaScript": "javascript",
    "/Launch": "launch",
    "/ImportData": "launch",
    "/RichMediaExecute": "javascript",
}
# The cleaned bytes are kept on the upload between check_scan and store_scan.
CLEAN_ATTRIBUTE = "_scan_cleaned"


def _refused(message: str, **values) -> ValidationError:
    return ValidationError({"files": [coded(message % values, CaseErrorCode.SCAN_REFUSED)]})


def check_scan(upload) -> str:
    """The content type of an acceptable scan, or ValidationError({"files": [...]}). An image
    is re-encoded here (store_scan writes the result); a PDF is opened and inspected."""
    name = getattr(upload, "name", "") or "?"
    size = getattr(upload, "size", None)
    if size is None or size == 0:
        raise _refused(_("“%(name)s” is empty."), name=name)
    if size > SCAN_MAX_BYTES:
        raise _refused(
            _("“%(name)s” is %(size)s MB; a scan may be at most %(max)s MB."),
            name=name,
            size=round(size / 1024 / 1024, 1),
            max=SCAN_MAX_BYTES // 1024 // 1024,
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    content_type = None
    for signature, signature_type, _ext in SIGNATURES:
        if head.startswith(signature):
            content_type = signature_type
            break
    if content_type is None and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        content_type = "image/webp"
    if content_type is None:
        raise _refused(
            _("“%(name)s” is not a PDF or an image (JPEG, PNG, GIF, TIFF, WebP)."), name=name
        )
    cleaned = getattr(upload, CLEAN_ATTRIBUTE, None)
    if cleaned is not None and cleaned[0] == content_type:
        return content_type  # checked already (the form, then the service)
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    if content_type == "application/pdf":
        pdf_check(data, name)
        clean = None
    else:
        clean = image_clean(data, name, content_type)
    setattr(upload, CLEAN_ATTRIBUTE, (content_type, clean))
    return content_type


# --- PDF --------------------------------------------------------------------------------------


def pdf_findings(data: bytes) -> set[str]:
    """What a PDF carries that a scan never needs: "javascript", "launch", "auto_action",
    "embedded_file"; raises ValueError when it does not parse, PermissionError when it is
    encrypted."""
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise PermissionError("encrypted")
        if len(reader.pages) == 0:
            raise ValueError("no pages")
        root = reader.trailer["/Root"].get_object()
    except PermissionError:
        raise
    except Exception as exc:  # pypdf raises many kinds on hostile input
        raise ValueError(str(exc)) from exc

    found: set[str] = set()
    seen: set[tuple[int, int]] = set()
    stack: list = [reader.trailer, root]
    walked = 0
    while stack:
        node = stack.pop()
        walked += 1
        if walked > PDF_MAX_OBJECTS:
            raise ValueError("too many objects")
        if isinstance(node, IndirectObject):
            ref = (node.idnum, node.generation)
            if ref in seen:
                continue
            seen.add(ref)
            try:
                node = node.get_object()
            except Exception as exc:
                raise ValueError(str(exc)) from exc
        if isinstance(node, DictionaryObject):
            keys = set(node.keys())
            if keys & PDF_SCRIPT_KEYS:
                found.add("javascript")
            if "/AA" in keys:
                found.add("auto_action")
            if keys & {"/EmbeddedFiles", "/EF", "/RichMedia"}:
                found.add("embedded_file")
            kind = node.get("/S")
            if kind in PDF_ACTION_TYPES_REFUSED:
                found.add(PDF_ACTION_TYPES_REFUSED[kind])
            if node.get("/Type") == "/EmbeddedFile" or node.get("/Subtype") == "/FileAttachment":
                found.add("embedded_file")
            if "/OpenAction" in keys:
                action = node.raw_get("/OpenAction")
                if isinstance(action, IndirectObject):
                    action = action.get_object()
                if isinstance(action, DictionaryObject) and (
                    action.get("/S") in PDF_ACTION_TYPES_REFUSED or "/JS" in action
                ):
                    found.add("auto_action")
            stack.extend(node.raw_get(key) for key in node if key != "/Parent")
        elif isinstance(node, ArrayObject):
            stack.extend(node)
    return found


def pdf_check(data: bytes, name: str) -> None:
    """Refuse a PDF that does not parse, is encrypted, or carries what pdf_findings names."""
    try:
        found = pdf_findings(data)
    except PermissionError:
        raise _refused(
            _(
                "“%(name)s” is protected by a password, so it cannot be checked. "
                "Save it without the password and upload it again."
            ),
            name=name,
        ) from None
    except ValueError as exc:
        logger.info("PDF refused, does not parse: %s", exc)
        raise _refused(
            _(
                "“%(name)s” is not a readable PDF (it is damaged, or not really a PDF). "
                "Scan or save it again and upload the new file."
            ),
            name=name,
        ) from None
    if not found:
        return
    labels = {
        "javascript": _("JavaScript"),
        "launch": _("an action that starts a program (Launch)"),
        "auto_action": _("actions that run by themselves when it is opened or read"),
        "embedded_file": _("embedded or attached files"),
    }
    what = "; ".join(str(labels[kind]) for kind in sorted(found))
    raise _refused(
        _(
            "“%(name)s” was refused because it carries %(what)s, which a scan never needs. "
            "Scan the paper again, or print the document to a new PDF, and upload that file."
        ),
        name=name,
        what=what,
    )


# --- images -----------------------------------------------------------------------------------


def image_clean(data: bytes, name: str, content_type: str) -> bytes:
    """The image decoded and encoded again in its own format with the EXIF orientation applied:
    no EXIF (no GPS), no comments, nothing after the image data. Refused when it cannot be
    decoded or has too many pixels."""
    from PIL import Image, ImageOps, ImageSequence

    unreadable = _refused(
        _(
            "“%(name)s” cannot be read as an image (it is damaged, or not really an image). "
            "Scan it again and upload the new file."
        ),
        name=name,
    )
    fmt = IMAGE_FORMATS[content_type]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.width * image.height > IMAGE_MAX_PIXELS:
                raise _refused(
                    _(
                        "“%(name)s” has %(pixels)s million pixels, more than a scan needs "
                        "(at most %(max)s million): scan it at 300 dpi and upload it again."
                    ),
                    name=name,
                    pixels=round(image.width * image.height / 1_000_000),
                    max=IMAGE_MAX_PIXELS // 1_000_000,
                )
            original = dict(image.info)
            frames = [
                ImageOps.exif_transpose(frame.copy()) for frame in ImageSequence.Iterator(image)
            ]
            for frame in frames:
                frame.info = {}  # Pillow writes some of it back (comments, EXIF, XMP)
    except ValidationError:
        raise
    except Exception as exc:  # Pillow raises many kinds on hostile input
        logger.info("image refused, does not decode: %s", exc)
        raise unreadable from None
    # Only what renders the picture right: its colours, resolution and animation timing.
    options: dict = {"format": fmt}
    for key in ("icc_profile", "dpi", "duration", "loop"):
        if original.get(key) is not None and (key != "loop" or fmt in ("GIF", "WEBP")):
            options[key] = original[key]
    if fmt in ("JPEG", "WEBP"):
        options["quality"] = JPEG_QUALITY
    elif fmt == "TIFF":
        options["compression"] = "tiff_deflate"
    if len(frames) > 1 and fmt in ("GIF", "TIFF", "WEBP"):
        options.update(save_all=True, append_images=frames[1:])
    out = io.BytesIO()
    try:
        first = frames[0]
        if fmt == "JPEG" and first.mode not in ("L", "RGB", "CMYK"):
            first = first.convert("RGB")
        first.save(out, **options)
    except Exception as exc:
        logger.info("image refused, does not encode: %s", exc)
        raise unreadable from None
    return out.getvalue()


def cleaned_content(upload, content_type: str):
    """What store_scan writes: the re-encoded image, or the checked PDF as uploaded."""
    cleaned = getattr(upload, CLEAN_ATTRIBUTE, None)
    if cleaned is None or cleaned[0] != content_type:
        check_scan(upload)
        cleaned = getattr(upload, CLEAN_ATTRIBUTE)
    if cleaned[1] is None:
        upload.seek(0)
        return upload
    return ContentFile(cleaned[1])


# --- online applications: a total per application and per center and day ---------------------


def application_max_bytes() -> int:
    return int(getattr(settings, "ONLINE_APPLICATION_MAX_BYTES", 30 * 1024 * 1024))


def anonymous_daily_bytes() -> int:
    return int(getattr(settings, "ONLINE_UPLOAD_DAILY_BYTES", 2 * 1024 * 1024 * 1024))


def anonymous_bytes_today() -> int:
    """The bytes of this center's scans that nobody signed in uploaded (online applications)
    since midnight."""
    from .states import Channel

    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    total = CaseFile.objects.filter(
        uploaded_by__isnull=True, case__channel=Channel.ONLINE, uploaded_at__gte=midnight
    ).aggregate(total=Sum("size"))["total"]
    return int(total or 0)


def check_application_uploads(uploads) -> None:
    """Refuse an online application whose scans together exceed ONLINE_APPLICATION_MAX_BYTES,
    or that would take the center past ONLINE_UPLOAD_DAILY_BYTES of anonymous uploads today."""
    total = sum(int(getattr(upload, "size", 0) or 0) for upload in uploads)
    if not total:
        return
    cap = application_max_bytes()
    if total > cap:
        raise _refused(
            _(
                "The files of one application may be at most %(max)s MB together; these are "
                "%(size)s MB. Scan at a lower resolution, or bring the rest to the center."
            ),
            max=round(cap / 1024 / 1024, 1),
            size=round(total / 1024 / 1024, 1),
        )
    if anonymous_bytes_today() + total > anonymous_daily_bytes():
        raise _refused(
            _(
                "The center cannot take more uploaded files online today. Nothing was saved; "
                "please try again tomorrow, or bring the papers to the center."
            )
        )


def store_scan(
    case: Case, upload, content_type: str, material: CaseMaterial | None, actor
) -> CaseFile:
    base = os.path.basename(getattr(upload, "name", "") or "scan")[:150]
    ext = EXTENSIONS.get(content_type, "webp")
    stored = CaseFile(
        case=case,
        material=material,
        original_name=base,
        content_type=content_type,
        size=upload.size,
        uploaded_by=actor,
    )
    content = cleaned_content(upload, content_type)
    stored.size = content.size
    stored.file.save(f"scan-{case.receipt_number}.{ext}", content, save=False)
    stored.save()
    return stored
