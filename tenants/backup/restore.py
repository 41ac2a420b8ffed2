"""Restore of one center from a backup file: read and check the whole file before touching
anything, provision the center the usual way (``center_create``: a spare schema or a clone of
the template, so the tables are the same), refuse a migration state different from the
backup's, and in one transaction empty the schema's tables, copy the rows in, move every
sequence past the restored ids, point the Wagtail site at the center's domain, let the apps
rewrite what the city's schema keeps about the center and drop their caches (the ``RESTORED``
and ``RESTORED_CACHES`` steps they register, ``tenants.provisioning``), and move the files into
place. Anything failing rolls all of it back: no center row, schema, domain or media folder is
left behind."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from ..models import Center, CenterAuditEvent
from ..private_files import private_files_move
from ..provisioning import RESTORED, RESTORED_CACHES, run_steps
from ..selectors import center_primary_domain
from .archive import FILE_FOLDERS, archive_read
from .dump import migration_state, owned_sequences, quote, schema_tables


@dataclass(frozen=True)
class RestoreSummary:
    center: Center
    tables: int
    rows: int
    media_files: int


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
    present = schema_tables(schema)
    wanted = {t["name"]: t for t in manifest["tables"]}
    if set(present) != set(wanted) or any(
        set(present[name]) != set(table["columns"]) for name, table in wanted.items()
    ):
        raise ValidationError(
            {"file": [_("The tables of the backup differ from the center schema's.")]}
        )
    qualified = {name: f"{quote(schema)}.{quote(name)}" for name in present}
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
            column_list = ", ".join(quote(c) for c in table["columns"])
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
    for sequence, table, column in owned_sequences(schema):
        cursor.execute(f"SELECT max({quote(column)}) FROM {quote(schema)}.{quote(table)}")
        highest = max(
            v for v in (cursor.fetchone()[0], saved.get((table, column)), 0) if v is not None
        )
        qualified = f"{quote(schema)}.{quote(sequence)}"
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
    """The center's cached pages and lookups: each app drops its own (``RESTORED_CACHES``
    steps, in the center's schema: the catalog version moves on for the guide pages), the
    Wagtail site paths and the domain lookup are dropped."""
    from wagtail.models import Site

    from ..cache import forget_center_domains

    center = Center.objects.filter(schema_name=schema_name).first()
    hostname = (center_primary_domain(center) or "") if center is not None else ""
    with schema_context(schema_name):
        if center is not None:
            run_steps(RESTORED_CACHES, center, hostname)
        Site.clear_site_root_paths_cache()
    if center is not None:
        forget_center_domains(center)


def _projections_publish(center: Center) -> None:
    """What the city's schema keeps about the center is rewritten from the restored rows by
    the apps that own it (``RESTORED`` steps: the compliance facts, the search index), and the
    caches are dropped now and again once the restore is committed (a request in between must
    not keep what it read before)."""
    run_steps(RESTORED, center, center_primary_domain(center) or "")
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
    from ..services import center_create

    with tempfile.TemporaryDirectory(prefix="center-restore-") as tmp:
        scratch = Path(tmp)
        manifest = archive_read(path, scratch)
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
