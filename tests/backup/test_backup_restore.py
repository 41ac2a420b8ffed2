"""Per-center backup and restore: a township with cases, an adopted catalog, a notice page and
media is backed up, restored under another slug and compared row by row; restored over itself
with --replace; and bad files are refused with nothing changed."""

import datetime
import io
import json
import tarfile
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django_tenants.utils import schema_context

from catalog_cms.search_index.models import PublishedMatter
from catalog_cms.standards.models import CenterFacts
from catalog_cms.standards.selectors import published_templates
from catalog_cms.standards.services import matter_templates_import
from centers.cases import services as case_services
from centers.cases.services import Intake
from centers.catalog.models import LocalMatter
from centers.catalog.services import catalog_adopt
from centers.workspace.models import Window
from tenants import backup, private_files
from tenants.backup import dump
from tenants.models import Center, CenterAuditEvent, Domain
from tests.centers.cases.conftest import PASSWORD, login
from tests.standards.factories import csv_bytes, row

pytestmark = pytest.mark.django_db

NEW_SLUG = "qingshuitai-copy"
NEW_CODE = "210113106000"
NOTICE_SLUG = "closure-notice"
MEDIA_FILE = "notices/opening-hours.txt"
MEDIA_BYTES = "春节期间办公时间调整。\n".encode()
# Columns that legitimately differ between a center and its restored copy.
DIFFERING = {"wagtailcore_site": {"hostname"}}


@pytest.fixture
def source(desk):
    """The desk's township with an adopted catalog, two cases, a notice and a media file."""
    from wagtail.models import Site

    from portal.models import NoticeIndexPage, NoticePage

    matter_templates_import(
        content=csv_bytes([row(), row(code="QST-HJ-001", name="生育登记", 权限层级="乡镇")]),
        filename="t.csv",
        actor="test",
    )
    center = desk.center
    with schema_context(center.schema_name):
        catalog_adopt(templates=published_templates(), actor=desk.director)
        for _ in range(2):
            case_services.case_intake(
                actor=desk.clerk,
                intake=Intake(
                    matter=desk.matter,
                    applicant=desk.applicant(),
                    materials=desk.received(),
                    window=desk.window,
                ),
            )
        home = Site.objects.get().root_page
        index = NoticeIndexPage.objects.child_of(home).first() or home.add_child(
            instance=NoticeIndexPage(title="公示公告", slug="notices", live=True)
        )
        index.add_child(
            instance=NoticePage(
                title="春节期间办公时间调整",
                slug=NOTICE_SLUG,
                notice_date=datetime.date(2026, 1, 20),
                body="<p>春节期间办公时间调整。</p>",
                live=True,
            )
        )
        default_storage.save(MEDIA_FILE, ContentFile(MEDIA_BYTES))
        # A row deleted before the backup: its id must not be handed out again after restore.
        Window.objects.create(number=9, name="临时窗口", kind="combined").delete()
    return center


def schema_rows(schema: str) -> dict[str, list]:
    """Every row of every table of the schema, sorted, without the columns that may differ."""
    rows = {}
    with connection.cursor() as cursor:
        for table, columns in dump.schema_tables(schema).items():
            kept = [c for c in columns if c not in DIFFERING.get(table, ())]
            names = ", ".join(connection.ops.quote_name(c) for c in kept)
            cursor.execute(f"SELECT {names} FROM {schema}.{connection.ops.quote_name(table)}")
            rows[table] = sorted(cursor.fetchall(), key=repr)
    return rows


def media_files(schema: str, folder_of=backup.media_folder) -> dict[str, bytes]:
    folder = folder_of(schema)
    return {
        f.relative_to(folder).as_posix(): f.read_bytes() for f in folder.rglob("*") if f.is_file()
    }


def schemas() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace")
        return {r[0] for r in cursor.fetchall()}


def state(media_root) -> tuple:
    """What a refused restore must leave exactly as it was."""
    return (
        list(Center.objects.order_by("pk").values_list("slug", "schema_name", "status")),
        sorted(Domain.objects.values_list("domain", flat=True)),
        CenterAuditEvent.objects.count(),
        PublishedMatter.objects.count(),
        schemas(),
        sorted(p.relative_to(media_root).as_posix() for p in Path(media_root).rglob("*")),
        sorted(p.as_posix() for p in private_files.private_root().rglob("*")),
    )


def test_restore_under_another_slug_is_the_same_center_row_by_row(
    source, media_root, tmp_path, client_for
):
    file = tmp_path / "qingshuitai.tar.gz"
    out = io.StringIO()
    call_command("backup_center", "qingshuitai", str(file), stdout=out)
    assert file.is_file()
    with tarfile.open(file) as archive:
        names = archive.getnames()
        manifest = json.load(archive.extractfile("manifest.json"))
    assert names[-1] == "manifest.json"
    assert manifest["format"] == backup.FORMAT and manifest["version"] == backup.VERSION
    assert manifest["source"]["slug"] == "qingshuitai"
    assert manifest["source"]["parent"] == "shenbei"
    assert f"media/{MEDIA_FILE}" in names
    assert any(name.startswith("private/cases/") for name in names)
    counts = {t["name"]: t["rows"] for t in manifest["tables"]}
    assert counts["cases_case"] == 2 and counts["catalog_localmatter"] >= 7

    call_command(
        "restore_center", str(file), "--slug", NEW_SLUG, "--code", NEW_CODE, stdout=io.StringIO()
    )
    restored = Center.objects.get(slug=NEW_SLUG)
    assert restored.schema_name == "qingshuitai_copy"
    assert restored.kind == "township" and restored.parent.slug == "shenbei"
    assert restored.name == source.name
    assert restored.domains.get().domain == "qingshuitai-copy.localhost"

    # Every table, every row (the Site's hostname aside), and every media byte.
    original, copy = schema_rows("qingshuitai"), schema_rows("qingshuitai_copy")
    assert set(original) == set(copy)
    for table in original:
        assert copy[table] == original[table], table
    assert media_files("qingshuitai_copy") == media_files("qingshuitai")
    assert media_files("qingshuitai_copy")[MEDIA_FILE] == MEDIA_BYTES
    # Scans and notices: in the private folder, byte for byte, under the same random names.
    private = media_files("qingshuitai_copy", private_files.private_folder)
    assert private == media_files("qingshuitai", private_files.private_folder)
    assert any(name.startswith("cases/") for name in private)
    assert not any(name.startswith("cases/") for name in media_files("qingshuitai_copy"))

    from wagtail.models import Site

    with schema_context("qingshuitai_copy"):
        assert list(Site.objects.values_list("hostname", flat=True)) == [
            "qingshuitai-copy.localhost"
        ]
        # Sequences continue past the restored ids and past the deleted window's.
        saved = next(
            q["last_value"] for q in manifest["sequences"] if q["table"] == "workspace_window"
        )
        assert saved > max(Window.objects.values_list("pk", flat=True))
        window = Window.objects.create(number=8, name="新窗口", kind="combined")
        assert window.pk == saved + 1
    # The public projections are published from the restored catalog.
    with schema_context("qingshuitai"):
        catalog = sorted(LocalMatter.objects.values_list("code", flat=True))
    assert {"QST-HJ-001", "QST-MZ-001"} <= set(catalog)
    published = PublishedMatter.objects.filter(center=restored)
    assert sorted(published.values_list("code", flat=True)) == catalog
    assert CenterFacts.objects.filter(center=restored).exists()
    assert CenterAuditEvent.objects.filter(center=restored, action="restored").exists()

    # The restored center serves on its domain, its pages and its staff.
    client = client_for(restored)
    assert client.get("/").status_code == 200
    assert client.get(f"/notices/{NOTICE_SLUG}/").status_code == 200
    login(client, "director1")
    assert client.get("/admin/").status_code == 200
    # ... and the original still does.
    assert client_for(source).get(f"/notices/{NOTICE_SLUG}/").status_code == 200


def test_replace_with_yes_puts_the_backup_back(source, media_root, tmp_path):
    file = tmp_path / "qingshuitai.tar"
    call_command("backup_center", "qingshuitai", str(file), stdout=io.StringIO())
    before = schema_rows("qingshuitai")
    media_before = media_files("qingshuitai")
    with schema_context("qingshuitai"):
        LocalMatter.objects.filter(code="TS-002").delete()
        Window.objects.create(number=7, name="后加的窗口", kind="combined")
        default_storage.save("notices/later.txt", ContentFile(b"later"))
    assert schema_rows("qingshuitai") != before

    # Without --yes it asks; any answer but the slug changes nothing.
    with pytest.raises(CommandError):
        call_command(
            "restore_center", str(file), "--replace", stdin=io.StringIO("no\n"),
            stdout=io.StringIO(),
        )  # fmt: skip
    assert "notices/later.txt" in media_files("qingshuitai")

    centers = Center.objects.count()
    call_command(
        "restore_center", str(file), "--replace", "--slug", "qingshuitai", "--yes",
        stdout=io.StringIO(),
    )  # fmt: skip
    assert Center.objects.count() == centers
    after = schema_rows("qingshuitai")
    for table in before:
        assert after[table] == before[table], table
    assert media_files("qingshuitai") == media_before
    assert not list(Path(media_root).glob(".restore-*"))
    assert not list(private_files.private_root().glob(".restore-*"))
    assert CenterAuditEvent.objects.filter(center=source, action="restored_over").exists()

    # Confirming on stdin with the slug works the same.
    call_command(
        "restore_center", str(file), "--replace", stdin=io.StringIO("qingshuitai\n"),
        stdout=io.StringIO(),
    )  # fmt: skip
    assert schema_rows("qingshuitai")["workspace_window"] == before["workspace_window"]


def test_replace_refuses_a_backup_of_another_center(source, other_township, tmp_path):
    file = tmp_path / "qingshuitai.tar"
    call_command("backup_center", "qingshuitai", str(file), stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command(
            "restore_center", str(file), "--replace", "--slug", "hushitai", "--yes",
            stdout=io.StringIO(),
        )  # fmt: skip


def _rewrite(file: Path, target: Path, change) -> None:
    """Copy the archive member by member, letting `change(name, bytes)` alter the content."""
    with tarfile.open(file) as src, tarfile.open(target, "w") as dst:
        for info in src:
            data = change(info.name, src.extractfile(info).read())
            info.size = len(data)
            dst.addfile(info, io.BytesIO(data))


def _refused(file, media_root, *extra) -> None:
    before = state(media_root)
    with pytest.raises(CommandError):
        call_command(
            "restore_center", str(file), "--slug", NEW_SLUG, "--code", NEW_CODE, *extra,
            stdout=io.StringIO(),
        )  # fmt: skip
    assert state(media_root) == before
    assert not Center.objects.filter(slug=NEW_SLUG).exists()
    assert "qingshuitai_copy" not in schemas()


def test_bad_files_are_refused_and_change_nothing(source, media_root, tmp_path):
    good = tmp_path / "good.tar"
    call_command("backup_center", "qingshuitai", str(good), stdout=io.StringIO())
    bad = tmp_path / "bad"
    bad.mkdir()

    # Not ours: a text file, an empty file, a tar of something else, another format's manifest.
    (bad / "notes.txt").write_text("hello")
    _refused(bad / "notes.txt", media_root)
    (bad / "empty.tar").write_bytes(b"")
    _refused(bad / "empty.tar", media_root)
    with tarfile.open(bad / "other.tar", "w") as archive:
        archive.add(bad / "notes.txt", arcname="etc/passwd")
    _refused(bad / "other.tar", media_root)
    _rewrite(
        good, bad / "foreign.tar", lambda n, d: b'{"format": "x"}' if n.endswith("json") else d
    )
    _refused(bad / "foreign.tar", media_root)
    _refused(bad / "missing.tar", media_root)

    # A format version this platform does not read.
    def version(name, data):
        if name != "manifest.json":
            return data
        return json.dumps(json.loads(data) | {"version": 99}).encode()

    _rewrite(good, bad / "v99.tar", version)
    _refused(bad / "v99.tar", media_root)

    # Truncated: in the middle of a member, and at a member boundary (the manifest is lost).
    content = good.read_bytes()
    (bad / "half.tar").write_bytes(content[: len(content) // 2])
    _refused(bad / "half.tar", media_root)
    with tarfile.open(good) as archive:
        manifest_at = archive.getmember("manifest.json").offset
    (bad / "cut.tar").write_bytes(content[:manifest_at])
    _refused(bad / "cut.tar", media_root)
    gz = tmp_path / "good.tar.gz"
    call_command("backup_center", "qingshuitai", str(gz), stdout=io.StringIO())
    (bad / "cut.tar.gz").write_bytes(gz.read_bytes()[:-100])
    _refused(bad / "cut.tar.gz", media_root)

    # Tampered: a data member changed (the checksum no longer matches), a member added.
    def tamper(name, data):
        return data.replace("张三".encode(), "李四".encode()) if name.startswith("data/") else data

    _rewrite(good, bad / "tampered.tar", tamper)
    _refused(bad / "tampered.tar", media_root)

    def forge(name, data):
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["members"]["data/cases_case.copy"]["sha256"] = "0" * 64
        return json.dumps(manifest).encode()

    _rewrite(good, bad / "forged.tar", forge)
    _refused(bad / "forged.tar", media_root)

    # A migration state other than this platform's.
    def older(name, data):
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["migrations"] = manifest["migrations"][:-1]
        return json.dumps(manifest).encode()

    _rewrite(good, bad / "older.tar", older)
    _refused(bad / "older.tar", media_root)

    # The good file still restores (so the refusals above were about the files).
    call_command(
        "restore_center", str(good), "--slug", NEW_SLUG, "--code", NEW_CODE, stdout=io.StringIO()
    )
    assert Center.objects.filter(slug=NEW_SLUG).exists()


def test_an_existing_slug_or_code_is_refused(source, media_root, tmp_path):
    file = tmp_path / "qingshuitai.tar"
    call_command("backup_center", "qingshuitai", str(file), stdout=io.StringIO())
    # The slug of an existing center.
    before = state(media_root)
    with pytest.raises(CommandError):
        call_command("restore_center", str(file), "--slug", "shenbei", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("restore_center", str(file), "--slug", "qingshuitai", stdout=io.StringIO())
    # The source still exists, so its division code is taken: a new one is needed.
    with pytest.raises(CommandError):
        call_command("restore_center", str(file), "--slug", NEW_SLUG, stdout=io.StringIO())
    assert state(media_root) == before


def test_backup_of_an_unknown_center_is_refused(db, tmp_path):
    with pytest.raises(CommandError):
        call_command("backup_center", "nowhere", str(tmp_path / "x.tar"), stdout=io.StringIO())
    assert not (tmp_path / "x.tar").exists()


def test_restored_password_is_the_backups(source, media_root, tmp_path, client_for):
    """The first administrator provisioning makes is replaced by the backup's users."""
    file = tmp_path / "qingshuitai.tar"
    call_command("backup_center", "qingshuitai", str(file), stdout=io.StringIO())
    call_command(
        "restore_center", str(file), "--slug", NEW_SLUG, "--code", NEW_CODE, stdout=io.StringIO()
    )
    restored = Center.objects.get(slug=NEW_SLUG)
    response = client_for(restored).post(
        "/admin/login/", {"username": "clerk1", "password": PASSWORD}
    )
    assert response.status_code == 302


def test_backup_without_a_file_goes_to_the_private_folder(source, media_root):
    out = io.StringIO()
    call_command("backup_center", "qingshuitai", stdout=out)
    (file,) = (private_files.private_root() / "_backups").glob("qingshuitai-*.tar.gz")
    assert str(file) in out.getvalue()
    assert not file.resolve().is_relative_to(Path(media_root).resolve())
    assert file.stat().st_mode & 0o077 == 0  # the operator's only
