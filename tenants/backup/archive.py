"""A center backup file: a tar archive (gzip-compressed when its name ends in .gz or .tgz)
holding

- ``data/<table>.copy``: every table of the center's schema in PostgreSQL's COPY text format;
- ``media/<path>``: every file under MEDIA_ROOT/<schema>/ (uploads, Wagtail images);
- ``private/<path>``: every file under PRIVATE_ROOT/<schema>/ (case scans, printed notices);
- ``manifest.json``, the last member: the format name and version, the source center (slug,
  schema, name, kind, division code, parent district, primary domain), the schema's migration
  state (django_migrations), per table its columns and row count, the sequences' positions,
  and the size and sha256 of every other member.

Reading one checks it whole: a file that is not ours, of another format version, truncated or
altered is refused."""

from __future__ import annotations

import hashlib
import io
import json
import re
import tarfile
import tempfile
import zlib
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..private_files import private_folder, private_root

FORMAT = "cityplatform-center-backup"
VERSION = 1
MANIFEST = "manifest.json"
_DATA_MEMBER = re.compile(r"^data/([a-z_][a-z0-9_]{0,62})\.copy$")
CHUNK = 1024 * 1024


def file_error(message: str) -> ValidationError:
    return ValidationError({"file": [message]})


def media_folder(schema_name: str) -> Path:
    """Where the storage puts a schema's uploads (MULTITENANT_RELATIVE_MEDIA_ROOT = "%s")."""
    return Path(settings.MEDIA_ROOT) / schema_name


# The two folders of files a center has: member prefix → (root, the schema's folder in it).
FILE_FOLDERS = {
    "media": (lambda: Path(settings.MEDIA_ROOT), media_folder),
    "private": (private_root, private_folder),
}


# --- writing ----------------------------------------------------------------------------------


class _HashingReader(io.RawIOBase):
    """Hands tarfile the bytes of a file and hashes them on the way."""

    def __init__(self, raw):
        self.raw = raw
        self.sha256 = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size=-1):
        data = self.raw.read(size)
        self.sha256.update(data)
        return data


def add_member(archive: tarfile.TarFile, name: str, source: Path, members: dict) -> None:
    info = tarfile.TarInfo(name)
    info.size = source.stat().st_size
    info.mtime = int(source.stat().st_mtime)
    info.mode = 0o600
    with source.open("rb") as raw:
        reader = _HashingReader(raw)
        archive.addfile(info, reader)
    members[name] = {"size": info.size, "sha256": reader.sha256.hexdigest()}


# --- reading a backup file ------------------------------------------------------------------


def _member_path(name: str) -> str | None:
    """The member's path below the scratch folder, or None when the name is not one a backup
    of ours can hold (absolute, climbing out, or outside data/, media/ and private/)."""
    if name == MANIFEST or _DATA_MEMBER.match(name):
        return name
    if name.startswith(("media/", "private/")) and "\\" not in name and "\x00" not in name:
        parts = name.split("/")
        if all(part not in ("", ".", "..") for part in parts[1:]) and len(parts) > 1:
            return name
    return None


def archive_read(path, scratch: Path) -> dict:
    """Unpack the backup into `scratch` and check it whole; returns its manifest."""
    not_ours = _("%(file)s is not a center backup of this platform.") % {"file": path}
    damaged = _("%(file)s is truncated or damaged; nothing was restored.") % {"file": path}
    if not Path(path).is_file():
        raise file_error(_("%(file)s does not exist.") % {"file": path})
    digests: dict[str, dict] = {}
    try:
        archive = tarfile.open(path, "r:*")  # noqa: SIM115 (closed by the with below)
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        # Neither a tar file nor a compressed one.
        raise file_error(not_ours) from exc
    try:
        with archive:
            for info in archive:
                relative = _member_path(info.name)
                if relative is None or not info.isfile() or relative in digests:
                    raise file_error(not_ours)
                target = scratch / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                digest = hashlib.sha256()
                source = archive.extractfile(info)
                with target.open("wb") as out:
                    while chunk := source.read(CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
                digests[relative] = {"size": target.stat().st_size, "sha256": digest.hexdigest()}
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        # Cut short or corrupted after a good start (a tar cut at a member boundary ends
        # silently: the manifest, the last member, is then missing).
        raise file_error(damaged) from exc
    if MANIFEST not in digests:
        raise file_error(not_ours if not digests else damaged)
    try:
        manifest = json.loads((scratch / MANIFEST).read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise file_error(not_ours) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise file_error(not_ours)
    if manifest.get("version") != VERSION:
        raise file_error(
            _(
                "%(file)s is a center backup of format version %(found)s; this platform reads "
                "version %(wanted)s."
            )
            % {"file": path, "found": manifest.get("version"), "wanted": VERSION}
        )
    listed = manifest.get("members") or {}
    del digests[MANIFEST]
    if set(listed) != set(digests):
        raise file_error(damaged)
    for name, digest in digests.items():
        if listed[name] != digest:
            raise file_error(
                _("%(member)s in %(file)s does not match its checksum; nothing was restored.")
                % {"member": name, "file": path}
            )
    for table in manifest.get("tables", []):
        if f"data/{table['name']}.copy" not in digests:
            raise file_error(damaged)
    return manifest


def backup_manifest(path) -> dict:
    """The manifest of a backup file, after checking the file whole (for the commands)."""
    with tempfile.TemporaryDirectory(prefix="center-restore-") as scratch:
        return archive_read(path, Path(scratch))
