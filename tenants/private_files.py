"""Private files: case scans, printed notices, evaluation evidence and backups.

They live under PRIVATE_ROOT (never inside MEDIA_ROOT), one folder per schema, with random
stored names. No URL pattern and no nginx location maps that root: the only way out is
`private_file_response`, which a permission-checked view calls. It always answers with an
attachment, `X-Content-Type-Options: nosniff` and `Content-Security-Policy: sandbox`; behind
nginx it hands the file over through an `internal` location (PRIVATE_X_ACCEL_REDIRECT), which
nginx refuses to serve to a client directly."""

from __future__ import annotations

import datetime
import hashlib
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.core import checks
from django.core.files import File
from django.core.files.storage import FileSystemStorage
from django.db import connection, models, transaction
from django.http import FileResponse, Http404, HttpResponse
from django.utils.deconstruct import deconstructible
from django.utils.http import content_disposition_header
from django_tenants.utils import schema_context

from .media import normal_form

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


# --- moving files that older versions kept under MEDIA_ROOT ------------------------------------


@dataclass
class MoveSummary:
    moved: int = 0
    already_private: int = 0
    missing: int = 0
    by_model: dict[str, int] = field(default_factory=dict)


def _private_fields(schema_name: str):
    """(model, file field) for every FileField on a private storage whose table lives in
    `schema_name` (tenant apps in a center's schema, shared apps in the public one)."""
    from django.apps import apps

    public = schema_name == settings.PUBLIC_SCHEMA_NAME
    names = set(settings.SHARED_APPS if public else settings.TENANT_APPS)
    for model in apps.get_models():
        if model._meta.app_config.name not in names:
            continue
        for model_field in model._meta.get_fields():
            if isinstance(model_field, models.FileField) and isinstance(
                model_field.storage, PrivateStorage
            ):
                yield model, model_field


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def private_files_move(schema_name: str, summary: MoveSummary | None = None) -> MoveSummary:
    """Move every private file of `schema_name` that an older version stored under
    MEDIA_ROOT/<schema>/ into the private folder under a random name, and point its row there.

    Idempotent and loses nothing: a row whose file is already in the private folder is left
    alone; a file is copied and its checksum compared before the row changes (one transaction
    per row, matched on the old name), and the old copy is removed only after that commits. A
    crash leaves at most a spare copy in the private folder, never a row without its file."""
    summary = summary or MoveSummary()
    media = Path(settings.MEDIA_ROOT) / schema_name
    with schema_context(schema_name):
        for model, model_field in _private_fields(schema_name):
            label = f"{model._meta.label}.{model_field.name}"
            storage = model_field.storage
            rows = model.objects.exclude(**{model_field.name: ""}).order_by("pk")
            for instance in rows.iterator(chunk_size=500):
                name = getattr(instance, model_field.attname).name
                if storage.exists(name):
                    summary.already_private += 1
                    continue
                old = media / name
                if not (normal_form(name) and old.is_file()):
                    summary.missing += 1
                    continue
                with old.open("rb") as handle:
                    new_name = storage.save(
                        model_field.generate_filename(instance, old.name), File(handle)
                    )
                if _sha256(Path(storage.path(new_name))) != _sha256(old):
                    storage.delete(new_name)
                    raise OSError(f"copy of {old} does not match; nothing changed for it")
                with transaction.atomic():
                    updated = model.objects.filter(
                        pk=instance.pk, **{model_field.attname: name}
                    ).update(**{model_field.attname: new_name})
                if updated:
                    old.unlink()
                    summary.moved += 1
                    summary.by_model[label] = summary.by_model.get(label, 0) + 1
                else:  # the row changed meanwhile: keep its file where it is
                    storage.delete(new_name)
    return summary


@checks.register(checks.Tags.security)
def private_root_check(app_configs, **kwargs):
    """PRIVATE_ROOT must not lie inside MEDIA_ROOT (or contain it): /media/ and nginx's media
    location would then reach private files by path."""
    private = Path(settings.PRIVATE_ROOT).resolve()
    media = Path(settings.MEDIA_ROOT).resolve()
    if private == media or private.is_relative_to(media) or media.is_relative_to(private):
        return [
            checks.Error(
                f"PRIVATE_ROOT ({private}) and MEDIA_ROOT ({media}) overlap.",
                hint="Give private files a folder of their own (DJANGO_PRIVATE_ROOT).",
                id="tenants.E001",
            )
        ]
    return []
