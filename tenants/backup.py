"""Backup and restore of one center: its schema's rows and its media, in one file.

The file is a tar archive (gzip-compressed when its name ends in .gz or .tgz) holding:

- ``data/<table>.copy``: every table of the center's schema in PostgreSQL's COPY text format;
- ``media/<path>``: every file under MEDIA_ROOT/<schema>/ (uploads, Wagtail images);
- ``private/<path>``: every file under PRIVATE_ROOT/<schema>/ (case scans, printed notices);
- ``manifest.json``, the last member: the format name and version, the source center (slug,
  schema, name, kind, division code, parent district, primary domain), the schema's migration
  state (django_migrations), per table its columns and row count, the sequences' positions,
  and the size and sha256 of every other member.

A restore reads and checks the whole file before it touches anything: a file that is not ours,
of another format version, truncated or altered is refused. It then provisions the center the
usual way (``center_create``: a spare schema or a clone of the template, so the tables are the
same), refuses a migration state different from the backup's, and in one transaction empties
the schema's tables, copies the rows in, moves every sequence past the restored ids, points the
Wagtail site at the center's domain, publishes the public projections (search index, facts)
and moves the media into place. Anything failing rolls all of it back: no center row, schema,
domain or media folder is left behind.

The backup holds personal data (applicants, case scans): keep it like the database itself."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import tarfile
import tempfile
import uuid
import zlib
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from .audit.models import Action
from .audit.services import audit_record
from .models import Center, CenterAuditEvent, CenterStatus
from .private_files import private_files_move, private_folder, private_root

FORMAT = "cityplatform-center-backup"
VERSION = 1
MANIFEST = "manifest.json"
_DATA_MEMBER = re.compile(r"^data/([a-z_][a-z0-9_]{0,62})\.copy$")
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    tables: int
    rows: int
    media_files: int
    size: int


@dataclass(frozen=True)
class RestoreSummary:
    center: Center
    tables: int
    rows: int
    media_files: int


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _file_error(message: str) -> ValidationError:
    return ValidationError({"file": [message]})


def media_folder(schema_name: str) -> Path:
    """Where the storage puts a schema's uploads (MULTITENANT_RELATIVE_MEDIA_ROOT = "%s")."""
    return Path(settings.MEDIA_ROOT) / schema_name


# The two folders of files a center has: member prefix → (root, the schema's folder in it).
FILE_FOLDERS = {
    "media": (lambda: Path(settings.MEDIA_ROOT), media_folder),
    "private": (private_root, private_folder),
}


# --- reading a schema -----------------------------------------------------------------------


def _tables(schema_name: str) -> dict[str, list[str]]:
    """Every ordinary table of the schema with its columns in order."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, a.attname
            FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            WHERE n.nspname = %s AND c.relkind = 'r' AND a.attgenerated = ''
            ORDER BY c.relname, a.attnum
            """,
            [schema_name],
        )
        tables: dict[str, list[str]] = {}
        for table, column in cursor.fetchall():
            tables.setdefault(table, []).append(column)
    return tables


def _owned_sequences(schema_name: str) -> list[tuple[str, str, str]]:
    """(sequence, table, column) for every sequence a column of the schema owns (serial and
    identity columns)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT s.relname, t.relname, a.attname
            FROM pg_class s
            JOIN pg_namespace n ON n.oid = s.relnamespace
            JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass
                AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
            JOIN pg_class t ON t.oid = d.refobjid
            JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
            WHERE n.nspname = %s AND s.relkind = 'S'
            ORDER BY t.relname, a.attname
            """,
            [schema_name],
        )
        return cursor.fetchall()


def migration_state(schema_name: str) -> list[list[str]]:
    """The (app, name) of every migration applied in the schema, sorted."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT app, name FROM {_quote(schema_name)}.django_migrations")
        return sorted([app, name] for app, name in cursor.fetchall())


# --- backup -----------------------------------------------------------------------------------


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


def _add_member(archive: tarfile.TarFile, name: str, source: Path, members: dict) -> None:
    info = tarfile.TarInfo(name)
    info.size = source.stat().st_size
    info.mtime = int(source.stat().st_mtime)
    info.mode = 0o600
    with source.open("rb") as raw:
        reader = _HashingReader(raw)
        archive.addfile(info, reader)
    members[name] = {"size": info.size, "sha256": reader.sha256.hexdigest()}


def _source_of(center: Center) -> dict:
    domain = center.domains.filter(is_primary=True).values_list("domain", flat=True).first()
    return {
        "slug": center.slug,
        "schema": center.schema_name,
        "name": center.name,
        "kind": center.kind,
        "division_code": center.division_code,
        "parent": center.parent.slug if center.parent_id else None,
        "domain": domain,
        "status": center.status,
    }


def default_backup_path(center: Center) -> Path:
    """Where a backup goes when the operator names no file: the private folder's _backups/
    (no URL and no nginx location maps it), one file per center and minute."""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    folder = private_root() / "_backups"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder / f"{center.slug}-{stamp}.tar.gz"


def center_backup(center: Center, path) -> BackupSummary:
    """Write the center's schema and media to one file at `path` (replaced only once the new
    file is complete). The rows are read in one snapshot."""
    if center.is_city:
        raise ValidationError({"center": [_("The city itself is backed up with the database.")]})
    path = Path(path)
    mode = "w:gz" if path.name.endswith((".gz", ".tgz")) else "w"
    partial = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.part")
    connection.set_schema_to_public()
    source = _source_of(center)
    try:
        with tempfile.TemporaryDirectory(prefix="center-backup-") as scratch:
            if connection.in_atomic_block:
                manifest = _backup_rows(center, Path(scratch))
            else:
                with transaction.atomic():
                    with connection.cursor() as cursor:
                        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    manifest = _backup_rows(center, Path(scratch))
            manifest["source"] = source
            members: dict[str, dict] = {}
            media_count = 0
            with tarfile.open(partial, mode) as archive:
                for table in manifest["tables"]:
                    member = f"data/{table['name']}.copy"
                    _add_member(archive, member, Path(scratch) / member, members)
                for prefix, (_root, folder_of) in FILE_FOLDERS.items():
                    folder = folder_of(center.schema_name)
                    if not folder.is_dir():
                        continue
                    for file in sorted(folder.rglob("*")):
                        if file.is_file() and not file.is_symlink():
                            relative = file.relative_to(folder).as_posix()
                            _add_member(archive, f"{prefix}/{relative}", file, members)
                            media_count += 1
                manifest["members"] = members
                manifest["media_files"] = media_count
                body = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size = len(body)
                info.mtime = int(timezone.now().timestamp())
                info.mode = 0o600
                archive.addfile(info, io.BytesIO(body))
        partial.chmod(0o600)  # applicants' data: readable by the operator only
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    with schema_context(center.schema_name):
        audit_record(
            action=Action.EXPORT,
            username="backup_center",
            obj=f"center backup {path.name}",
            detail={"size": path.stat().st_size, "media_files": media_count},
        )
    return BackupSummary(
        path=path,
        tables=len(manifest["tables"]),
        rows=sum(t["rows"] for t in manifest["tables"]),
        media_files=media_count,
        size=path.stat().st_size,
    )


def _backup_rows(center: Center, scratch: Path) -> dict:
    schema = center.schema_name
    (scratch / "data").mkdir()
    tables = []
    with connection.cursor() as cursor:
        for table, columns in _tables(schema).items():
            target = scratch / "data" / f"{table}.copy"
            column_list = ", ".join(_quote(c) for c in columns)
            with target.open("wb") as out:
                cursor.copy_expert(
                    f"COPY {_quote(schema)}.{_quote(table)} ({column_list}) TO STDOUT", out
                )
            with target.open("rb") as written:
                rows = sum(chunk.count(b"\n") for chunk in iter(lambda: written.read(_CHUNK), b""))
            tables.append({"name": table, "columns": columns, "rows": rows})
        sequences = []
        for sequence, table, column in _owned_sequences(schema):
            cursor.execute(f"SELECT last_value, is_called FROM {_quote(schema)}.{_quote(sequence)}")
            last_value, is_called = cursor.fetchone()
            sequences.append(
                {"table": table, "column": column, "last_value": last_value, "called": is_called}
            )
    return {
        "format": FORMAT,
        "version": VERSION,
        "created_at": timezone.now().isoformat(),
        "migrations": migration_state(schema),
        "tables": tables,
        "sequences": sequences,
    }


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


def _backup_read(path, scratch: Path) -> dict:
    """Unpack the backup into `scratch` and check it whole; returns its manifest."""
    not_ours = _("%(file)s is not a center backup of this platform.") % {"file": path}
    damaged = _("%(file)s is truncated or damaged; nothing was restored.") % {"file": path}
    if not Path(path).is_file():
        raise _file_error(_("%(file)s does not exist.") % {"file": path})
    digests: dict[str, dict] = {}
    try:
        archive = tarfile.open(path, "r:*")  # noqa: SIM115 (closed by the with below)
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        # Neither a tar file nor a compressed one.
        raise _file_error(not_ours) from exc
    try:
        with archive:
            for info in archive:
                relative = _member_path(info.name)
                if relative is None or not info.isfile() or relative in digests:
                    raise _file_error(not_ours)
                target = scratch / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                digest = hashlib.sha256()
                source = archive.extractfile(info)
                with target.open("wb") as out:
                    while chunk := source.read(_CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
                digests[relative] = {"size": target.stat().st_size, "sha256": digest.hexdigest()}
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        # Cut short or corrupted after a good start (a tar cut at a member boundary ends
        # silently: the manifest, the last member, is then missing).
        raise _file_error(damaged) from exc
    if MANIFEST not in digests:
        raise _file_error(not_ours if not digests else damaged)
    try:
        manifest = json.loads((scratch / MANIFEST).read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise _file_error(not_ours) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _file_error(not_ours)
    if manifest.get("version") != VERSION:
        raise _file_error(
            _(
                "%(file)s is a center backup of format version %(found)s; this platform reads "
                "version %(wanted)s."
            )
            % {"file": path, "found": manifest.get("version"), "wanted": VERSION}
        )
    listed = manifest.get("members") or {}
    del digests[MANIFEST]
    if set(listed) != set(digests):
        raise _file_error(damaged)
    for name, digest in digests.items():
        if listed[name] != digest:
            raise _file_error(
                _("%(member)s in %(file)s does not match its checksum; nothing was restored.")
                % {"member": name, "file": path}
            )
    for table in manifest.get("tables", []):
        if f"data/{table['name']}.copy" not in digests:
            raise _file_error(damaged)
    return manifest


def backup_manifest(path) -> dict:
    """The manifest of a backup file, after checking the file whole (for the commands)."""
    with tempfile.TemporaryDirectory(prefix="center-restore-") as scratch:
        return _backup_read(path, Path(scratch))


# --- restore ----------------------------------------------------------------------------------


def _check_migrations(manifest: dict, schema_name: str) -> None:
    if manifest["migrations"] != migration_state(schema_name):
        raise ValidationError(
            {
                "file": [
                    _(
                        "The backup was made at another migration state of the center schema "
                        "than this platform's; restore it on a platform at the same version."
                    )
                ]
            }
        )


def _rows_load(manifest: dict, schema: str, scratch: Path) -> int:
    """Empty every table of the schema and copy the backup's rows in (inside the caller's
    transaction). Foreign keys are deferred; user triggers (the append-only guards) are off
    while loading, as session_replication_role = replica would do without needing a
    superuser."""
    present = _tables(schema)
    wanted = {t["name"]: t for t in manifest["tables"]}
    if set(present) != set(wanted) or any(
        set(present[name]) != set(table["columns"]) for name, table in wanted.items()
    ):
        raise ValidationError(
            {"file": [_("The tables of the backup differ from the center schema's.")]}
        )
    qualified = {name: f"{_quote(schema)}.{_quote(name)}" for name in present}
    with connection.cursor() as cursor:
        # Check now what provisioning wrote (TRUNCATE refuses tables with pending checks).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            """
            SELECT DISTINCT c.relname FROM pg_trigger t
            JOIN pg_class c ON c.oid = t.tgrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = %s AND NOT t.tgisinternal
            """,
            [schema],
        )
        guarded = [row[0] for row in cursor.fetchall()]
        for name in guarded:
            cursor.execute(f"ALTER TABLE {qualified[name]} DISABLE TRIGGER USER")
        cursor.execute("TRUNCATE " + ", ".join(qualified[name] for name in sorted(present)))
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        rows = 0
        for name, table in sorted(wanted.items()):
            column_list = ", ".join(_quote(c) for c in table["columns"])
            with (scratch / "data" / f"{name}.copy").open("rb") as data:
                cursor.copy_expert(f"COPY {qualified[name]} ({column_list}) FROM STDIN", data)
            cursor.execute(f"SELECT count(*) FROM {qualified[name]}")
            if cursor.fetchone()[0] != table["rows"]:
                raise ValidationError({"file": [_("The backup's row counts do not add up.")]})
            rows += table["rows"]
        # Every foreign key of the restored rows is checked here, then back to Django's default.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for name in guarded:
            cursor.execute(f"ALTER TABLE {qualified[name]} ENABLE TRIGGER USER")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        _sequences_reset(cursor, manifest, schema)
    return rows


def _sequences_reset(cursor, manifest: dict, schema: str) -> None:
    """Every sequence continues past both the highest restored id and where the source's
    sequence stood (ids of deleted rows are not handed out again)."""
    saved = {
        (s["table"], s["column"]): s["last_value"] if s["called"] else None
        for s in manifest.get("sequences", [])
    }
    for sequence, table, column in _owned_sequences(schema):
        cursor.execute(f"SELECT max({_quote(column)}) FROM {_quote(schema)}.{_quote(table)}")
        highest = max(
            v for v in (cursor.fetchone()[0], saved.get((table, column)), 0) if v is not None
        )
        qualified = f"{_quote(schema)}.{_quote(sequence)}"
        if highest > 0:
            cursor.execute("SELECT setval(%s::regclass, %s, true)", [qualified, highest])
        else:
            cursor.execute("SELECT setval(%s::regclass, 1, false)", [qualified])


def _site_point(center: Center, old_domain: str | None) -> None:
    """The restored Wagtail sites answer on the center's own domain: the site that served the
    source's domain (or the default site) takes the center's primary domain."""
    from wagtail.models import Site

    domain = center.domains.get(is_primary=True).domain
    with schema_context(center.schema_name):
        sites = Site.objects.filter(hostname=old_domain) if old_domain else Site.objects.none()
        if not sites.exists():
            sites = Site.objects.filter(is_default_site=True)
        sites.update(hostname=domain)


def _caches_forget(schema_name: str) -> None:
    """The center's cached pages and lookups: the catalog version moves on (guide pages), the
    Wagtail site paths and the domain lookup are dropped."""
    from wagtail.models import Site

    from centers.catalog.cache import catalog_changed

    from .cache import forget_center_domains

    with schema_context(schema_name):
        catalog_changed()
        Site.clear_site_root_paths_cache()
    center = Center.objects.filter(schema_name=schema_name).first()
    if center is not None:
        forget_center_domains(center)


def _projections_publish(center: Center) -> None:
    """What the city's schema keeps about the center is rewritten from the restored rows, and
    the caches are dropped now and again once the restore is committed (a request in between
    must not keep what it read before)."""
    from catalog_cms.search_index.services import center_matters_publish
    from centers.workspace.services import facts_publish

    with schema_context(center.schema_name):
        facts_publish()
    if center.status == CenterStatus.ACTIVE:
        center_matters_publish(center)
    _caches_forget(center.schema_name)
    transaction.on_commit(partial(_caches_forget, center.schema_name))


def _media_stage(scratch: Path, prefix: str) -> tuple[Path, int]:
    """Copy the backup's files of one folder (media or private) next to that folder's schema
    folders (same file system, so moving it into place later is a rename)."""
    root = FILE_FOLDERS[prefix][0]()
    root.mkdir(parents=True, exist_ok=True)
    staged = root / f".restore-{uuid.uuid4().hex}"
    source = scratch / prefix
    count = 0
    if source.is_dir():
        shutil.copytree(source, staged)
        count = sum(1 for f in staged.rglob("*") if f.is_file())
    else:
        staged.mkdir()
    return staged, count


class _MediaSwap:
    """Put a staged folder (media or private) in place of the schema's; undo it if the
    transaction does not commit; drop what it replaced once it does."""

    def __init__(self, staged: Path, schema_name: str, prefix: str):
        self.staged = staged
        self.target = FILE_FOLDERS[prefix][1](schema_name)
        self.aside: Path | None = None
        self.done = False

    def apply(self) -> None:
        if self.target.exists():
            self.aside = self.target.with_name(f".replaced-{uuid.uuid4().hex}")
            self.target.rename(self.aside)
        self.staged.rename(self.target)
        self.done = True
        if self.aside is not None:
            aside = self.aside
            transaction.on_commit(lambda: shutil.rmtree(aside, ignore_errors=True))

    def undo(self) -> None:
        if self.done:
            self.target.rename(self.staged)
            if self.aside is not None:
                self.aside.rename(self.target)
            self.done = False
        shutil.rmtree(self.staged, ignore_errors=True)


def center_restore(
    path,
    slug: str,
    replace: bool = False,
    *,
    division_code: str | None = None,
    name: str | None = None,
    parent_slug: str | None = None,
    actor: str = "",
) -> RestoreSummary:
    """Restore a backup file as a new center `slug` (provisioned like any other; its division
    code, name and parent are the backup's unless given), or with `replace`, over the existing
    center `slug`, which must be the one the backup was made of. All or nothing."""
    from .services import center_create

    with tempfile.TemporaryDirectory(prefix="center-restore-") as tmp:
        scratch = Path(tmp)
        manifest = _backup_read(path, scratch)
        source = manifest["source"]
        connection.set_schema_to_public()
        if replace:
            center = Center.objects.filter(slug=slug).first()
            if center is None or center.is_city:
                raise ValidationError(
                    {"slug": [_("No center has the slug %(slug)s.") % {"slug": slug}]}
                )
            if center.slug != source["slug"]:
                raise ValidationError(
                    {
                        "slug": [
                            _(
                                "This backup is of %(source)s; it can only replace that center "
                                "or be restored as a new one."
                            )
                            % {"source": source["slug"]}
                        ]
                    }
                )
            _check_migrations(manifest, center.schema_name)
        else:
            if Center.objects.filter(slug=slug).exists():
                raise ValidationError(
                    {
                        "slug": [
                            _("The slug %(slug)s is already used by another center.")
                            % {"slug": slug}
                        ]
                    }
                )
            _check_migrations(manifest, settings.TENANT_BASE_SCHEMA)
        staged = {}
        media_count = 0
        for prefix in FILE_FOLDERS:
            staged[prefix], count = _media_stage(scratch, prefix)
            media_count += count
        swaps = [_MediaSwap(folder, "", prefix) for prefix, folder in staged.items()]
        try:
            with transaction.atomic():
                if replace:
                    action = "restored_over"
                else:
                    center = center_create(
                        kind=source["kind"],
                        division_code=division_code or source["division_code"],
                        name=name or source["name"],
                        slug=slug,
                        parent_slug=parent_slug or source["parent"],
                        actor=actor,
                    ).center
                    _check_migrations(manifest, center.schema_name)
                    action = "restored"
                rows = _rows_load(manifest, center.schema_name, scratch)
                _site_point(center, source.get("domain"))
                _projections_publish(center)
                CenterAuditEvent.objects.create(
                    center=center,
                    action=action,
                    actor=actor,
                    detail={
                        "from": source["slug"],
                        "backup_made_at": manifest.get("created_at"),
                        "rows": rows,
                        "media_files": media_count,
                    },
                )
                swaps = [
                    _MediaSwap(folder, center.schema_name, prefix)
                    for prefix, folder in staged.items()
                ]
                for swap in swaps:
                    swap.apply()
        except BaseException:
            for swap in swaps:
                swap.undo()
            raise
        finally:
            connection.set_schema_to_public()
    # A backup made before private files existed carries scans and notices under media/.
    private_files_move(center.schema_name)
    return RestoreSummary(
        center=center, tables=len(manifest["tables"]), rows=rows, media_files=media_count
    )
