"""Private files: case scans, printed notices, evaluation evidence and backups.

They live under PRIVATE_ROOT (never inside MEDIA_ROOT), one folder per schema, with random
stored names. No URL pattern and no nginx location maps that root: the only way out is
`private_file_response`, which a permission-checked view calls. It always answers with an
attachment, `X-Content-Type-Options: nosniff` and `Content-Security-Policy: sandbox`; behind
nginx it hands the file over through an `internal` location (PRIVATE_X_ACCEL_REDIRECT), which
nginx refuses to serve to a client directly."""

from __future__ import annotations

import datetime
import os
import uuid
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import connection
from django.http import FileResponse, Http404, HttpResponse
from django.utils.deconstruct import deconstructible
from django.utils.http import content_disposition_header

PRIVATE_HEADERS = {
    "Cache-Control": "private, no-store",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "sandbox",
}


def private_root() -> Path:
    return Path(settings.PRIVATE_ROOT)


def private_folder(schema_name: str) -> Path:
    """The folder of one schema's private files."""
    return private_root() / schema_name


@deconstructible
class PrivateStorage(FileSystemStorage):
    """Files under PRIVATE_ROOT/<schema>/: the current schema's folder, or a fixed one
    (`schema_name`) for files that belong to the city whatever schema reads them (evaluation
    evidence). It has no URL: asking for one is a programming error."""

    def __init__(self, schema_name: str | None = None):
        self.schema_name = schema_name
        super().__init__()

    @property
    def base_location(self):
        return str(private_folder(self.schema_name or connection.schema_name))

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None

    def url(self, name):
        raise ValueError("private files have no URL; serve them with private_file_response()")


# The storages the models name (a callable, so migrations record the name, not the instance).
tenant_private_storage = PrivateStorage()
city_private_storage = PrivateStorage(schema_name=settings.PUBLIC_SCHEMA_NAME)


def get_tenant_private_storage() -> PrivateStorage:
    return tenant_private_storage


def get_city_private_storage() -> PrivateStorage:
    return city_private_storage


def random_name(folder: str, filename: str) -> str:
    """A stored name that says nothing about the case or the resident: <folder>/<yyyy>/<mm>/
    <random hex><extension of the upload, lower-case, letters and digits only>."""
    ext = os.path.splitext(filename)[1].lower()
    if not (1 < len(ext) <= 6 and ext[1:].isalnum() and ext.isascii()):
        ext = ""
    today = datetime.date.today()
    return f"{folder}/{today:%Y}/{today:%m}/{uuid.uuid4().hex}{ext}"


def private_file_response(field_file, *, filename: str, content_type: str) -> HttpResponse:
    """The private file behind `field_file` as a download named `filename`. The caller has
    checked who may read it."""
    storage = field_file.storage
    if not isinstance(storage, PrivateStorage) or not field_file.name:
        raise Http404
    accel = getattr(settings, "PRIVATE_X_ACCEL_REDIRECT", None)
    if accel:
        path = Path(storage.path(field_file.name))
        if not path.is_file():
            raise Http404
        relative = path.relative_to(private_root()).as_posix()
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = f"{accel.rstrip('/')}/{quote(relative)}"
        response["Content-Disposition"] = content_disposition_header(True, filename)
    else:
        try:
            handle = field_file.open("rb")
        except (FileNotFoundError, ValueError):
            raise Http404 from None
        response = FileResponse(
            handle, content_type=content_type, as_attachment=True, filename=filename
        )
    for header, value in PRIVATE_HEADERS.items():
        response[header] = value
    return response
