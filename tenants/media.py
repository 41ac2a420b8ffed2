"""/media/: an allow-list of what is meant to be public, never a deny-list.

Private files (scans, notices, evidence, backups) are not under MEDIA_ROOT at all
(tenants/private_files.py); this view is the second wall. A path is served only when

1. it is already in normal form: no empty, "." or ".." segment, no backslash, NUL or percent
   sign left after decoding, no segment ending in a dot or a space, no trailing slash, and (where
   the server passes the raw request line) no encoded slash, dot or backslash; and
2. it is one of the public kinds: the city's brand images (on every domain), or on the owning
   domain a Wagtail image rendition, or the original of an image that a live page uses.

Wagtail documents never leave through here: Wagtail's own serve view (/documents/…) sends them
with its protections (attachment, `default-src 'none'`, collection privacy)."""

from __future__ import annotations

import posixpath
import re
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection
from django.http import Http404, HttpResponse
from django.views.static import serve

# Encoded "/", ".", "\" and "%" in the raw request line: refused before any decoding.
_ENCODED = re.compile(r"%(2f|2e|5c|25|00)", re.IGNORECASE)
_SEGMENT = re.compile(r"[^\x00-\x1f\\%]+")


def normal_form(path: str) -> bool:
    """Whether `path` (relative, decoded) is its own normal form, so that no later step can
    read it differently from this check."""
    if not path or path.startswith("/") or path.endswith("/"):
        return False
    if posixpath.normpath(path) != path:
        return False
    for segment in path.split("/"):
        if segment in ("", ".", "..") or segment.endswith((".", " ")):
            return False
        if not _SEGMENT.fullmatch(segment):
            return False
    return True


def _raw_path_is_plain(request) -> bool:
    raw = request.META.get("RAW_URI") or request.META.get("REQUEST_URI") or ""
    return not _ENCODED.search(raw.split("?", 1)[0])


def _published_original(name: str) -> bool:
    """An original image of this schema that a live page uses (Wagtail's reference index)."""
    from django.contrib.contenttypes.models import ContentType
    from wagtail.images import get_image_model
    from wagtail.models import Page, ReferenceIndex

    image = get_image_model().objects.filter(file=name).only("pk").first()
    if image is None:
        return False
    page_ids = (
        ReferenceIndex.get_references_to(image)
        .filter(base_content_type=ContentType.objects.get_for_model(Page))
        .values_list("object_id", flat=True)
    )
    ids = [int(pk) for pk in page_ids if pk.isdigit()]
    return bool(ids) and Page.objects.live().filter(pk__in=ids).exists()


def public_kind(path: str) -> bool:
    """Whether a normal-form media path is one of the kinds meant to be public here."""
    schema, _, rest = path.partition("/")
    if schema == settings.PUBLIC_SCHEMA_NAME and rest.startswith("brand/"):
        return True  # the city's logo and emblem, shown on every portal
    if schema != connection.schema_name:
        return False
    if rest.startswith("images/"):
        return True  # renditions Wagtail made for a page
    if rest.startswith("original_images/"):
        return _published_original(rest)
    return False


def tenant_media(request, path: str):
    if not (normal_form(path) and _raw_path_is_plain(request) and public_kind(path)):
        raise Http404
    accel = getattr(settings, "MEDIA_X_ACCEL_REDIRECT", None)
    if accel:
        # Behind nginx (deploy/nginx/city.conf.template): checked here, sent by nginx.
        if not (Path(settings.MEDIA_ROOT) / path).is_file():
            raise Http404
        response = HttpResponse()
        del response["Content-Type"]  # nginx sets it from the file's extension
        response["X-Accel-Redirect"] = f"{accel.rstrip('/')}/{quote(path)}"
        response["X-Content-Type-Options"] = "nosniff"
        return response
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["X-Content-Type-Options"] = "nosniff"
    return response
