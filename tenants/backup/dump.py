"""Backup of one center: its schema's rows, read in one snapshot, and its files, written to
one archive (``archive.py``); and the schema facts a restore checks against (tables, owned
sequences, migration state)."""

from __future__ import annotations

import io
import json
import os
import tarfile
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from ..audit.models import Action
from ..audit.services import audit_record
from ..models import Center
from ..private_files import private_root
from .archive import CHUNK, FILE_FOLDERS, FORMAT, MANIFEST, VERSION, add_member


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    tables: int
    rows: int
    media_files: int
    size: int


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


# --- reading a schema -----------------------------------------------------------------------


def schema_tables(schema_name: str) -> dict[str, list[str]]:
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


def owned_sequences(schema_name: str) -> list[tuple[str, str, str]]:
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
        cursor.execute(f"SELECT app, name FROM {quote(schema_name)}.django_migrations")
        return sorted([app, name] for app, name in cursor.fetchall())


# --- backup -----------------------------------------------------------------------------------


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
                    add_member(archive, member, Path(scratch) / member, members)
                for prefix, (_root, folder_of) in FILE_FOLDERS.items():
                    folder = folder_of(center.schema_name)
                    if not folder.is_dir():
                        continue
                    for file in sorted(folder.rglob("*")):
                        if file.is_file() and not file.is_symlink():
                            relative = file.relative_to(folder).as_posix()
                            add_member(archive, f"{prefix}/{relative}", file, members)
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
        for table, columns in schema_tables(schema).items():
            target = scratch / "data" / f"{table}.copy"
            column_list = ", ".join(quote(c) for c in columns)
            with target.open("wb") as out:
                cursor.copy_expert(
                    f"COPY {quote(schema)}.{quote(table)} ({column_list}) TO STDOUT", out
                )
            with target.open("rb") as written:
                rows = sum(chunk.count(b"\n") for chunk in iter(lambda: written.read(CHUNK), b""))
            tables.append({"name": table, "columns": columns, "rows": rows})
        sequences = []
        for sequence, table, column in owned_sequences(schema):
            cursor.execute(f"SELECT last_value, is_called FROM {quote(schema)}.{quote(sequence)}")
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
