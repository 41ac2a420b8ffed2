"""Online application (网上申报) on a center's domain: the form, an application with a scan
received as 已接件 for the desk (which accepts it), idempotency, the honeypot, the rate limit,
errors on the fields with nothing created, escaping, and isolation between centers."""

import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from tests.browser import pdf_bytes
from tests.centers.cases.conftest import PERSON_ID, make_matter

pytestmark = pytest.mark.django_db

PDF = pdf_bytes()  # a real PDF: files.check_scan opens every PDF
PHONE = "13812345678"


@pytest.fixture
def online(desk):
    with schema_context(desk.center.schema_name):
        return make_matter("ON-001", name="网上可办事项", online=True)


def _data(**extra):
    data = {
        "applicant_kind": "person",
        "applicant_name": "李四",
        "applicant_id_number": PERSON_ID,
        "applicant_phone": PHONE,
        "website": "",
        "idempotency_key": str(uuid.uuid4()),
    }
    return data | extra


def _pdf(name="id.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _cases(desk):
    from centers.cases.models import Case

    with schema_context(desk.center.schema_name):
        return list(Case.objects.all())


def test_form_offers_the_checklist_a_key_and_a_hidden_honeypot(desk, online, client_for):
    response = client_for(desk.center).get("/guides/ON-001/apply/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'enctype="multipart/form-data"' in html
    for name in ("居民身份证", "申请表", "照片"):
        assert name in html
    assert 'name="material_0"' in html and 'name="material_2"' in html
    key = re.search(r'name="idempotency_key" value="([^"]+)"', html).group(1)
    assert uuid.UUID(key).version == 4
    assert re.search(r'<div class="hp" aria-hidden="true">.*name="website"', html, re.S)
    assert response["Cache-Control"].startswith("max-age=0")


def test_application_with_an_upload_is_received_for_the_desk(desk, online, client_for):
    from centers.cases.models import CaseFile

    client = client_for(desk.center)
    response = client.post(
        "/guides/ON-001/apply/", _data(material_0=_pdf(), material_1=_pdf("form.pdf"))
    )
    assert response.status_code == 200
    [case] = _cases(desk)
    assert case.status == "received"
    assert case.channel == "online"
    assert case.first_contact_id is None
    assert case.applicant_name == "李四" and case.applicant_phone == PHONE
    html = response.content.decode()
    assert case.receipt_number in html
    assert f'href="/progress/?receipt={case.receipt_number}"' in html
    with schema_context(desk.center.schema_name):
        states = dict(case.materials.values_list("name", "state"))
        assert states == {"居民身份证": "received", "申请表": "received", "照片": "not_needed"}
        scans = list(CaseFile.objects.filter(case=case).select_related("material"))
        assert sorted(s.material.name for s in scans) == ["居民身份证", "申请表"]
        assert {s.content_type for s in scans} == {"application/pdf"}
        assert [e.action for e in case.events.all()] == ["receive"]

    # The desk pre-reviews it and accepts it exactly as at a window ...
    from centers.cases.services import case_accept

    with schema_context(desk.center.schema_name):
        accepted = case_accept(actor=desk.clerk, case=case)
        assert accepted.status == "accepted"
        assert accepted.owner == desk.clerk
    # ... and the resident follows it in the progress lookup.
    progress = client.post("/progress/", {"receipt": case.receipt_number, "phone_last4": "5678"})
    assert progress.status_code == 200
    assert "办理中" in progress.content.decode()


def test_missing_required_material_is_marked_missing(desk, online, client_for):
    response = client_for(desk.center).post("/guides/ON-001/apply/", _data(material_0=_pdf()))
    assert response.status_code == 200
    [case] = _cases(desk)
    with schema_context(desk.center.schema_name):
        assert dict(case.materials.values_list("name", "state"))["申请表"] == "missing"
    assert "申请表" in response.content.decode().split("<h2>")[1]


def test_double_submit_creates_one_case(desk, online, client_for):
    client = client_for(desk.center)
    data = _data()
    first = client.post("/guides/ON-001/apply/", data | {"material_0": _pdf()})
    second = client.post("/guides/ON-001/apply/", data | {"material_0": _pdf()})
    assert first.status_code == second.status_code == 200
    [case] = _cases(desk)
    assert case.receipt_number in second.content.decode()
    assert case.idempotency_key.startswith("online:")


def test_honeypot_filled_is_refused_and_nothing_created(desk, online, client_for):
    response = client_for(desk.center).post(
        "/guides/ON-001/apply/", _data(website="http://spam.example", material_0=_pdf())
    )
    assert response.status_code == 400
    assert 'id="apply-refused"' in response.content.decode()
    assert _cases(desk) == []


def test_rate_limit_per_address(desk, online, client_for, monkeypatch):
    from portal import apply

    monkeypatch.setattr(apply, "APPLY_LIMIT", 2)
    client = client_for(desk.center)
    for _ in range(2):
        assert client.post("/guides/ON-001/apply/", _data()).status_code == 200
    response = client.post("/guides/ON-001/apply/", _data())
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert 'id="apply-throttled"' in response.content.decode()
    assert len(_cases(desk)) == 2
    # Another address is not affected.
    other = client_for(desk.center, REMOTE_ADDR="10.0.0.9")
    assert other.post("/guides/ON-001/apply/", _data()).status_code == 200


def test_bad_id_number_is_shown_on_its_field_and_nothing_is_created(desk, online, client_for):
    from centers.cases.models import CaseFile, ReceiptCounter

    data = _data(applicant_id_number="110105194912310021", material_0=_pdf())
    response = client_for(desk.center).post("/guides/ON-001/apply/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_applicant_id_number_errors"' in html
    assert "110105194912310021" in html.split('id="id_applicant_id_number_errors"')[1]
    assert _cases(desk) == []
    with schema_context(desk.center.schema_name):
        assert not CaseFile.objects.exists()
        assert not ReceiptCounter.objects.exists()
    # The same key stays in the form, so the corrected submit is still one application.
    assert data["idempotency_key"] in html


def test_upload_that_is_not_a_scan_is_refused_on_its_field(desk, online, client_for):
    fake = SimpleUploadedFile("id.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = client_for(desk.center).post("/guides/ON-001/apply/", _data(material_0=fake))
    assert response.status_code == 400
    assert 'id="id_material_0_errors"' in response.content.decode()
    assert _cases(desk) == []


def test_organisation_applicant(desk, online, client_for):
    from tests.centers.cases.conftest import ORG_CODE

    response = client_for(desk.center).post(
        "/guides/ON-001/apply/",
        _data(
            applicant_kind="organisation", applicant_name="某某公司", applicant_id_number=ORG_CODE
        ),
    )
    assert response.status_code == 200
    [case] = _cases(desk)
    assert case.applicant_kind == "organisation" and case.applicant_id_number == ORG_CODE


def test_script_in_the_name_is_escaped_on_the_answer_page(desk, online, client_for):
    response = client_for(desk.center).post(
        "/guides/ON-001/apply/", _data(applicant_name="<script>alert(1)</script>")
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_matter_not_online_is_404(desk, online, client_for):
    client = client_for(desk.center)
    assert client.get("/guides/TS-001/apply/").status_code == 404
    assert client.post("/guides/TS-001/apply/", _data()).status_code == 404
    assert _cases(desk) == []


def test_other_center_cannot_take_this_centers_application(
    desk, online, other_township, client_for
):
    from centers.cases.models import Case

    theirs = client_for(other_township)
    assert theirs.get("/guides/ON-001/apply/").status_code == 404
    assert theirs.post("/guides/ON-001/apply/", _data(material_0=_pdf())).status_code == 404
    assert _cases(desk) == []
    with schema_context(other_township.schema_name):
        assert not Case.objects.exists()
