"""Private files by construction (issue 14): scans, printed notices and evaluation evidence are
not under MEDIA_ROOT, /media/ serves an allow-list of paths already in normal form, and the
views that do serve private files answer only to whoever may read them, as attachments.

The fuzz sends every path variant an attacker would try (double slashes, "/./", "..", encoded
slashes and dots, double encoding, backslashes, NUL, trailing dots, upper case, a trailing
slash) for each private kind, at the file's old public place and at its private name, as an
anonymous caller, as staff of another center and as a district supervisor of another
district, on every domain; nothing answers 200 and no response carries the file's bytes."""

import datetime
import hashlib
import io
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django_tenants.utils import schema_context

from centers.cases import services as case_services
from centers.cases.services import Intake
from tenants.accounts.models import Role
from tests.browser import pdf_bytes
from tests.centers.cases.conftest import Desk, login
from tests.evaluation.scoring import conftest as scoring_fixtures
from tests.evaluation.scoring.conftest import png_bytes, upload

pytestmark = pytest.mark.django_db

# The scored evaluation's fixtures (a published rubric, a round, the township's scorecard).
card = scoring_fixtures.card
evaluator = scoring_fixtures.evaluator
round_ = scoring_fixtures.round_
rubric = scoring_fixtures.rubric

PDF = pdf_bytes()  # a real PDF: files.check_scan opens every PDF


def _variants(relative: str) -> list[str]:
    """Every spelling of /media/<relative> that a path check on the raw string could miss."""
    head, _, tail = relative.partition("/")
    folder, _, name = tail.rpartition("/")
    upper = relative.upper()
    return [
        f"/media/{relative}",
        f"/media/{head}//{tail}",
        f"//media/{relative}",
        f"/media//{relative}",
        f"/media/{head}/./{tail}",
        f"/media/./{relative}",
        f"/media/{head}/x/../{tail}",
        f"/media/{head}/../{head}/{tail}",
        f"/media/{head}%2F{tail}",
        f"/media/{head}%2f{tail}",
        f"/media/{head}/%2E/{tail}",
        f"/media/{head}/%2e%2e/{head}/{tail}",
        f"/media/{head}%252F{tail}",
        f"/media/{head}/%252E/{tail}",
        f"/media/{head}\\{tail}",
        f"/media/{head}%5C{tail}",
        f"/media/{relative}%00",
        f"/media/{relative}%00.png",
        f"/media/{relative}.",
        f"/media/{relative}..",
        f"/media/{relative}/",
        f"/media/{folder}/./{name}" if folder else f"/media/./{relative}",
        f"/media/{upper}",
        f"/MEDIA/{relative}",
        f"/Media/{relative}",
        f"/media/{relative}?download=1",
    ]


@pytest.fixture
def victim(township, make_user, media_root):
    """A township of Shenbei with a case: a scan of an ID card and its acceptance notice."""
    desk = Desk(township, make_user)
    with schema_context(township.schema_name):
        case = case_services.case_intake(
            actor=desk.clerk,
            intake=Intake(
                matter=desk.matter,
                applicant=desk.applicant(),
                materials=desk.received(),
                window=desk.window,
                uploads=[(SimpleUploadedFile("id.pdf", PDF, "application/pdf"), "居民身份证")],
            ),
        )
        scan = case.files.get()
        notice = case.documents.get()
        # Where each file is: the storage answers for the schema the connection is in.
        scan.stored_path = Path(scan.file.path)
        notice.stored_path = Path(notice.file.path)
    return desk, case, scan, notice


@pytest.fixture
def attackers(victim, make_center, make_user, city, client_for):
    """(name, client, host) for every caller who must get nothing: anonymous on each domain,
    the clerk and director of a center in another district (logged in on their own domain,
    and their cookies replayed on the victim's), and a district supervisor of that other
    district on the city's domain."""
    desk = victim[0]
    other_district = make_center("hunnan", kind="district", code="210112000000", name="浑南区")
    stranger = make_center(
        "baita", kind="street", code="210112001000", name="白塔街道", parent="hunnan"
    )
    make_user(stranger, "clerk-b", Role.WINDOW_STAFF)
    make_user(stranger, "director-b", Role.CENTER_DIRECTOR)
    make_user(city, "hunnan-sup", Role.DISTRICT_SUPERVISOR, district_id=other_district.pk)
    callers = []
    for center in (desk.center, stranger, city):
        callers.append((f"anonymous@{center.schema_name}", client_for(center)))
    for username in ("clerk-b", "director-b"):
        own = login(client_for(stranger), username)
        callers.append((f"{username}@own", own))
        replayed = client_for(desk.center)
        replayed.cookies = own.cookies
        callers.append((f"{username}@victim", replayed))
    callers.append(("hunnan-sup@city", login(client_for(city), "hunnan-sup")))
    return callers


def _nothing_served(callers, paths, secret: bytes) -> list[str]:
    leaks = []
    for name, client in callers:
        for path in paths:
            response = client.get(path)
            body = (
                b"".join(response.streaming_content)
                if getattr(response, "streaming", False)
                else response.content
            )
            if response.status_code == 200 or secret in body:
                leaks.append(f"{name} {path} -> {response.status_code}")
    return leaks


def test_private_files_live_outside_media_under_random_names(victim):
    desk, case, scan, notice = victim
    media = Path(settings.MEDIA_ROOT).resolve()
    for row in (scan, notice):
        field = row.file
        path = row.stored_path.resolve()
        assert path.is_file()
        assert path.is_relative_to(Path(settings.PRIVATE_ROOT).resolve() / desk.center.schema_name)
        assert not path.is_relative_to(media)
        assert case.receipt_number not in field.name
        with pytest.raises(ValueError):
            field.url  # noqa: B018 (a private file has no URL)
    assert not any(p.is_file() for p in media.rglob("*"))


def test_fuzzed_media_paths_serve_no_private_file(victim, attackers, client_for):
    desk, case, scan, notice = victim
    schema = desk.center.schema_name
    media = Path(settings.MEDIA_ROOT)
    # The layout of the defect: the same files also at their old public places.
    legacy = {
        f"{schema}/cases/{case.receipt_number}/scan-{case.receipt_number}.pdf": scan,
        f"{schema}/cases/{case.receipt_number}/acceptance_notice-{case.receipt_number}.pdf": (
            notice
        ),
    }
    paths = []
    for relative, row in legacy.items():
        target = media / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(row.stored_path, target)
        paths += _variants(relative)
        paths += _variants(f"{schema}/{row.file.name}")  # the private name, if guessed
    # The case's own staff, too: /media/ is no way to a private file for anybody.
    callers = [*attackers, ("clerk@victim", login(client_for(desk.center), "clerk1"))]
    assert _nothing_served(callers, paths, PDF) == []
    with open(scan.stored_path, "rb") as handle:
        notice_bytes = notice.stored_path.read_bytes()
        assert handle.read() == PDF
    assert _nothing_served(callers, paths, notice_bytes[:64]) == []


def test_fuzzed_download_views_answer_only_case_staff(victim, attackers, client_for):
    desk, case, scan, notice = victim
    notice_bytes = notice.stored_path.read_bytes()
    urls = {
        f"/admin/cases/{case.receipt_number}/scans/{scan.pk}/": PDF,
        f"/admin/cases/{case.receipt_number}/documents/{notice.pk}/": notice_bytes,
    }
    variants = []
    for url in urls:
        variants += [url, url.rstrip("/"), url.upper(), url.replace("/admin/", "/admin//"),
                     url.replace("/cases/", "/cases/./"), f"{url}%2e", f"{url}..%2f"]  # fmt: skip
    for secret in urls.values():
        assert _nothing_served(attackers, variants, secret[:64]) == []
    # The case's clerk gets each as an attachment that a browser neither sniffs nor runs.
    clerk = login(client_for(desk.center), "clerk1")
    for url, content in urls.items():
        response = clerk.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == content
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"] == "sandbox"
        assert "no-store" in response["Cache-Control"]
    # The download's name carries the receipt; the stored name does not.
    response = clerk.get(f"/admin/cases/{case.receipt_number}/documents/{notice.pk}/")
    assert case.receipt_number in response["Content-Disposition"]
    # Every download is an audit entry (who, which case, what); the refused ones are none.
    from tenants.audit.models import Action, AuditEntry

    reads = AuditEntry.objects.filter(action=Action.PERSONAL_DATA_READ).order_by("pk")
    assert [(e.actor_username, e.detail["receipt"], e.detail["what"]) for e in reads] == [
        ("clerk1", case.receipt_number, f"scan:{scan.pk}"),
        ("clerk1", case.receipt_number, "document:acceptance_notice"),
        ("clerk1", case.receipt_number, "document:acceptance_notice"),
    ]


def test_download_behind_nginx_goes_through_the_internal_location(victim, client_for, settings):
    desk, case, scan, _notice = victim
    settings.PRIVATE_X_ACCEL_REDIRECT = "/_private_files/"
    clerk = login(client_for(desk.center), "clerk1")
    response = clerk.get(f"/admin/cases/{case.receipt_number}/scans/{scan.pk}/")
    assert response.status_code == 200
    assert response.content == b""
    relative = scan.stored_path.relative_to(Path(settings.PRIVATE_ROOT)).as_posix()
    assert response["X-Accel-Redirect"] == f"/_private_files/{relative}"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Security-Policy"] == "sandbox"
    # The internal location is never a URL of Django's either.
    assert client_for(desk.center).get(f"/_private_files/{relative}").status_code == 404


def test_evidence_photos_are_private_and_fuzzed(
    card, evaluator, city, township, make_user, make_center, client_for, media_root
):
    from evaluation.scoring import services as scoring

    image = png_bytes((300, 200), fmt="JPEG")
    photo = scoring.evidence_add(
        actor=evaluator, scorecard=card, item_code="1.1.1", upload=upload("hall.jpg", image)
    )
    stored = Path(photo.image.path)
    assert stored.is_relative_to(Path(settings.PRIVATE_ROOT) / "public")
    assert not stored.is_relative_to(Path(settings.MEDIA_ROOT))
    hunnan = make_center("hunnan", kind="district", code="210112000000", name="浑南区")
    make_user(city, "hunnan-sup", Role.DISTRICT_SUPERVISOR, district_id=hunnan.pk)
    make_user(township, "clerk-t", Role.WINDOW_STAFF)
    callers = [
        ("anonymous@city", client_for(city)),
        ("anonymous@township", client_for(township)),
        ("hunnan-sup@city", login(client_for(city), "hunnan-sup")),
        ("clerk@township", login(client_for(township), "clerk-t")),
    ]
    legacy = Path(settings.MEDIA_ROOT) / "public" / photo.image.name
    legacy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(stored, legacy)
    paths = _variants(f"public/{photo.image.name}") + _variants(f"public/{photo.thumbnail.name}")
    for url in (f"/admin/evaluation/evidence/{photo.pk}/",
                f"/admin/evaluation/evidence/{photo.pk}/thumbnail/"):  # fmt: skip
        paths += [url, url.upper(), url.replace("/admin/", "/admin//"), f"{url}%2e"]
    assert _nothing_served(callers, paths, stored.read_bytes()[:64]) == []
    # The round's evaluator gets it, as an attachment.
    evaluator_client = login(client_for(city), evaluator.username)
    response = evaluator_client.get(f"/admin/evaluation/evidence/{photo.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == stored.read_bytes()
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Security-Policy"] == "sandbox"


# --- the move of files older versions kept under MEDIA_ROOT -----------------------------------


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_move_private_files_moves_every_file_by_checksum_and_is_idempotent(victim, card, evaluator):
    from evaluation.scoring import services as scoring
    from evaluation.scoring.models import EvidencePhoto

    desk, case, scan, notice = victim
    schema = desk.center.schema_name
    media = Path(settings.MEDIA_ROOT) / schema
    photo = scoring.evidence_add(
        actor=evaluator, scorecard=card, item_code="1.1.1", upload=upload("hall.png")
    )
    city_old = {}
    for attname in ("image", "thumbnail"):
        field_file = getattr(photo, attname)
        name = f"scoring/evidence/{card.round_id}/legacy-{attname}.png"
        target = Path(settings.MEDIA_ROOT) / "public" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(field_file.path, target)
        EvidencePhoto.objects.filter(pk=photo.pk).update(**{attname: name})
        city_old[attname] = _digest(target)
    # Put the rows back the way an older version stored them: under MEDIA_ROOT, named after
    # the receipt.
    old = {}
    with schema_context(schema):
        for model, row, name in (
            (type(scan), scan, f"cases/{case.receipt_number}/scan-{case.receipt_number}.pdf"),
            (
                type(notice),
                notice,
                f"cases/{case.receipt_number}/acceptance_notice-{case.receipt_number}.pdf",
            ),
        ):
            target = media / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(row.stored_path, target)
            model.objects.filter(pk=row.pk).update(file=name)
            old[(model, row.pk)] = _digest(target)
    out = io.StringIO()
    call_command("move_private_files", stdout=out)
    first_line = out.getvalue().splitlines()[0]
    assert re.search(r"(^|\D)4(\D|$)", first_line), first_line  # 4 moved (2 + 2 evidence)
    photo.refresh_from_db()
    for attname, digest in city_old.items():
        path = Path(getattr(photo, attname).path)
        assert path.is_relative_to(Path(settings.PRIVATE_ROOT) / "public")
        assert _digest(path) == digest
    assert not any(p.is_file() for p in (Path(settings.MEDIA_ROOT) / "public").rglob("*"))
    with schema_context(schema):
        for (model, pk), digest in old.items():
            row = model.objects.get(pk=pk)
            assert case.receipt_number not in row.file.name
            path = Path(row.file.path)
            assert path.is_relative_to(Path(settings.PRIVATE_ROOT) / schema)
            assert _digest(path) == digest
    assert not any(p.is_file() for p in media.rglob("*"))
    # A second run (and a crash-and-rerun) finds nothing to move and changes nothing.
    names = _names(schema, old)
    call_command("move_private_files", stdout=io.StringIO())
    assert _names(schema, old) == names


def _names(schema, old):
    with schema_context(schema):
        return {key: key[0].objects.get(pk=key[1]).file.name for key in old}


def test_media_still_serves_what_is_public(township, client_for, media_root, city):
    """The allow-list lets through the brand, renditions and the originals live pages use."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    with schema_context(township.schema_name):
        rendition = default_storage.save("images/hall.width-800.png", ContentFile(b"rendition"))
        other = default_storage.save("documents/private.pdf", ContentFile(b"a document"))
        original = default_storage.save("original_images/unused.png", ContentFile(b"unused"))
    with schema_context("public"):
        brand = default_storage.save("brand/logo.png", ContentFile(b"logo"))
    client = client_for(township)
    assert client.get(f"/media/{township.schema_name}/{rendition}").status_code == 200
    assert client.get(f"/media/public/{brand}").status_code == 200
    # Documents only through Wagtail's serve view; an original no live page uses: no.
    assert client.get(f"/media/{township.schema_name}/{other}").status_code == 404
    assert client.get(f"/media/{township.schema_name}/{original}").status_code == 404


@pytest.mark.parametrize(
    "path",
    ["a//b", "a/./b", "a/../b", "../a", "a/b/", "/a", "a\\b", "a\x00b", "a/b.", "a/b ", "a/%2e"],
)
def test_paths_out_of_normal_form_are_refused(path):
    from tenants.media import normal_form

    assert not normal_form(path)
    assert normal_form("qingshuitai/images/a.width-800.png")


def test_an_original_image_is_public_only_while_a_live_page_uses_it(
    township, city, client_for, media_root
):
    from django.core.files.images import ImageFile
    from wagtail.images import get_image_model

    from portal.models import NoticeIndexPage, NoticePage

    with schema_context(township.schema_name):
        image = get_image_model().objects.create(
            title="大厅", file=ImageFile(io.BytesIO(png_bytes()), name="hall.png")
        )
        index = NoticeIndexPage.objects.get()
        notice = index.add_child(
            instance=NoticePage(
                title="公告",
                notice_date=datetime.date(2026, 12, 1),
                body=(
                    f'<p>大厅</p><embed embedtype="image" id="{image.pk}" format="fullwidth" '
                    'alt=""/>'
                ),
                live=True,
            )
        )
        notice.save_revision().publish()
        url = f"/media/{township.schema_name}/{image.file.name}"
    client = client_for(township)
    assert client.get(url).status_code == 200
    # Another domain never; an unpublished page's image no longer.
    assert client_for(city).get(url).status_code == 404
    with schema_context(township.schema_name):
        notice.unpublish()
    assert client.get(url).status_code == 404
