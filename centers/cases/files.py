"""Scans attached to a case: images and PDF only, recognised by their content (never by the
name or the browser's word), at most SCAN_MAX_BYTES each."""

from __future__ import annotations

import os

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import Case, CaseFile, CaseMaterial

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


def check_scan(upload) -> str:
    """The content type of an acceptable scan, or ValidationError({"files": [...]})."""
    name = getattr(upload, "name", "") or "?"
    size = getattr(upload, "size", None)
    if size is None or size == 0:
        raise ValidationError({"files": [_("“%(name)s” is empty.") % {"name": name}]})
    if size > SCAN_MAX_BYTES:
        raise ValidationError(
            {
                "files": [
                    _("“%(name)s” is %(size)s MB; a scan may be at most %(max)s MB.")
                    % {
                        "name": name,
                        "size": round(size / 1024 / 1024, 1),
                        "max": SCAN_MAX_BYTES // 1024 // 1024,
                    }
                ]
            }
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for signature, content_type, _ext in SIGNATURES:
        if head.startswith(signature):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    raise ValidationError(
        {
            "files": [
                _("“%(name)s” is not a PDF or an image (JPEG, PNG, GIF, TIFF, WebP).")
                % {"name": name}
            ]
        }
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
    upload.seek(0)
    stored.file.save(f"scan-{case.receipt_number}.{ext}", upload, save=False)
    stored.save()
    return stored
