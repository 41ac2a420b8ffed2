"""The case desk in Wagtail admin: the list and its filters, the intake form with each
outcome, the case page and its action forms, the downloads, the village agent's intake, and
who may see what (anonymous, another center, the city)."""

import datetime
import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tenants.utils import schema_context

from centers.cases import fees, services, views
from centers.cases.models import Case, CaseFile
from centers.cases.services import Intake
from centers.workspace.models import Absence, Post, ServicePoint, Window
from tenants.accounts.models import Role
from tests.browser import pdf_bytes, png_bytes
from tests.centers.cases.conftest import ORG_CODE, PERSON_ID, login

# Real files: files.check_scan opens every PDF and re-encodes every image.
PDF = pdf_bytes()
PNG = png_bytes()
# 行政许可法 art. 42: an extension names the approving official and their post.
APPROVER = {"approver_name": "李主任", "approver_post": "中心主任"}


def intake_data(desk, *, matter=None, outcome="accept", states=None, **extra) -> dict:
    """The intake form as a clerk sends it: every material received unless `states` says
    otherwise ({index: state})."""
    matter = matter or desk.matter
    data = {
        "idempotency_key": uuid.uuid4().hex,
        "matter": matter.code,
        "applicant_kind": "person",
        "applicant_name": "张三",
        "applicant_id_number": PERSON_ID,
        "applicant_phone": "13812345678",
        "channel": "window",
        "window": desk.window.pk,
        "outcome": outcome,
        "refusal_kind": "not_acceptable",
    }
    for i, material in enumerate(matter.materials):
        state = (states or {}).get(i, "received")
        data |= {
            f"mat-{i}-name": material["name"],
            f"mat-{i}-state": state,
            f"mat-{i}-originals_received": material["originals"] if state == "received" else 0,
            f"mat-{i}-copies_received": material["copies"] if state == "received" else 0,
            f"mat-{i}-note": "缺少签字" if state == "defective" else "",
        }
    return data | extra


def in_center(desk):
    return schema_context(desk.center.schema_name)


def make_case(desk, *, actor=None, now=None, **extra) -> Case:
    """A case through the intake service (accepted at a window by default)."""
    with in_center(desk):
        fields = {
            "matter": desk.matter,
            "applicant": desk.applicant(),
            "materials": desk.received(extra.get("matter", desk.matter)),
            "window": desk.window,
        } | extra
        # 急办 is confirmed by the director (seed plan 1): an urgent case is the director's.
        actor = actor or (desk.director if fields.get("urgent") else desk.clerk)
        return services.case_intake(actor=actor, intake=Intake(**fields), now=now)


def receipts(response) -> list[str]:
    return [case.receipt_number for case, _deadline, _owner in response.context["rows"]]


def refused(response) -> bool:
    """PermissionDenied in Wagtail admin: back to the dashboard with a message (403 for
    XHR)."""
    return response.status_code == 403 or (
        response.status_code == 302 and response["Location"] == "/admin/"
    )


def form_errors(response, name="form"):
    return response.context[name].errors


# --- access ------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(desk, client_for):
    case = make_case(desk)
    with in_center(desk):
        document = case.documents.get()
    anonymous = client_for(desk.center)
    for url in (
        "/admin/cases/",
        "/admin/cases/new/",
        f"/admin/cases/{case.receipt_number}/",
        f"/admin/cases/{case.receipt_number}/documents/{document.pk}/",
    ):
        response = anonymous.get(url)
        assert response.status_code == 302, url
        assert "/admin/login/" in response["Location"]
    response = anonymous.post("/admin/cases/new/", intake_data(desk))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    with in_center(desk):
        assert Case.objects.count() == 1


def test_menu_item_for_case_staff_and_agents(desk, client_for, clerk, director):
    for client in (clerk, director, login(client_for(desk.center), "agent1")):
        page = client.get("/admin/").content.decode()
        assert '"url": "/admin/cases/"' in page


def test_city_domain_has_no_case_desk(city, city_admin, client_for):
    client = login(client_for(city), "city-admin")
    assert client.get("/admin/cases/").status_code == 404
    assert "/admin/cases/" not in client.get("/admin/").content.decode()


# --- intake ------------------------------------------------------------------------------------


def test_intake_page_is_keyboard_first(desk, clerk):
    response = clerk.get("/admin/cases/new/")
    assert response.status_code == 200
    page = response.content.decode()
    form = response.context["form"]
    # A fresh idempotency key on every rendering.
    key = form.initial["idempotency_key"]
    assert re.fullmatch(r"[0-9a-f]{32}", key) and key in page
    assert clerk.get("/admin/cases/new/").context["form"].initial["idempotency_key"] != key
    # The matter field comes first and has the focus; the datalist offers codes and names.
    assert re.search(r'<input[^>]*name="matter"[^>]*autofocus', page)
    assert page.index('name="matter"') < page.index('name="applicant_name"')
    assert page.index('name="applicant_phone"') < page.index('name="outcome"')
    assert '<option value="TS-001" label="事项TS-001"' in page
    assert 'data-promised-days="5"' in page
    # Shortcuts on the main controls, the materials of every matter as data for the page.
    for key in "msabru":
        assert f'data-shortcut="{key}"' in page
    matters = {m["code"]: m for m in response.context["matters"]}
    assert [m["name"] for m in matters["TS-001"]["materials"]] == ["居民身份证", "申请表", "照片"]
    assert 'id="matters-data"' in page and "/api/v1/calendar/due-date/" in page
    # The clerk is the first contact (首问负责) unless changed; the window they sit at is not
    # known here, so no window is preselected.
    assert form.initial["first_contact"] == desk.clerk.pk


def test_intake_accept_with_scans(desk, clerk):
    """急办 asked by a clerk at intake (seed plan 1 六办件): it needs the director's
    confirmation, so the case is taken in and the request waits in the approval queue."""
    data = intake_data(desk, urgent="on", urgent_reason="申请人急需用于就医") | {
        "mat-0-file": SimpleUploadedFile("id.pdf", PDF, "application/pdf"),
        "scans": [SimpleUploadedFile("photo.png", PNG, "image/png")],
    }
    response = clerk.post("/admin/cases/new/", data)
    assert response.status_code == 302, form_errors(response)
    with in_center(desk):
        case = Case.objects.get()
        assert response["Location"] == f"/admin/cases/{case.receipt_number}/"
        assert (case.status, case.channel, case.urgent) == ("accepted", "window", False)
        (request,) = case.approval_requests.all()
        assert (request.kind, request.state, request.reason) == (
            "urgent",
            "pending",
            "申请人急需用于就医",
        )
        assert case.owner_id == case.first_contact_id == desk.clerk.pk
        assert case.window_id == desk.window.pk
        assert case.due_date is not None
        assert case.documents.get().kind == "acceptance_notice"
        scans = {f.original_name: f for f in case.files.select_related("material")}
        assert scans["id.pdf"].material.name == "居民身份证"
        assert scans["photo.png"].material is None
        assert scans["photo.png"].content_type == "image/png"
        assert [m.state for m in case.materials.all()] == ["received"] * 3
    page = clerk.get(response["Location"]).content.decode()
    assert case.receipt_number in page and "张三" in page


def test_intake_supplement_issues_the_one_time_notice(desk, clerk):
    data = intake_data(desk, outcome="supplement", states={1: "missing", 0: "defective"})
    response = clerk.post("/admin/cases/new/", data)
    assert response.status_code == 302, form_errors(response)
    with in_center(desk):
        case = Case.objects.get()
        assert case.status == "supplementing"
        assert case.documents.get().kind == "supplement_notice"
        assert case.pauses.get().kind == "supplement"
        states = {m.name: (m.state, m.note) for m in case.materials.all()}
        assert states["申请表"] == ("missing", "")
        assert states["居民身份证"] == ("defective", "缺少签字")


def test_intake_refuse_needs_reasons_and_basis(desk, clerk):
    response = clerk.post("/admin/cases/new/", intake_data(desk, outcome="refuse"))
    assert response.status_code == 200
    errors = form_errors(response)
    assert "refusal_reason" in errors and "refusal_basis" in errors
    with in_center(desk):
        assert not Case.objects.exists()
    data = intake_data(
        desk,
        outcome="refuse",
        refusal_reason="申请人不符合条件",
        refusal_basis="《行政许可法》第三十二条",
        refusal_kind="out_of_scope",
        competent_authority="沈北新区民政局",  # art. 32(2): where to apply
    )
    response = clerk.post("/admin/cases/new/", data)
    assert response.status_code == 302, form_errors(response)
    with in_center(desk):
        case = Case.objects.get()
        assert (case.status, case.refusal_kind) == ("not_accepted", "out_of_scope")
        assert case.refusal_basis == "《行政许可法》第三十二条"
        assert case.documents.get().kind == "refusal_decision"


@pytest.mark.parametrize(
    "change, field",
    [
        ({"applicant_id_number": "110105194912310021"}, "applicant_id_number"),  # checksum
        ({"applicant_kind": "organisation"}, "applicant_id_number"),  # a person's ID
        ({"applicant_phone": "12345"}, "applicant_phone"),
        ({"applicant_name": ""}, "applicant_name"),
        ({"matter": "NO-SUCH"}, "matter"),
        ({"channel": "village_point"}, "service_point"),
        ({"promised_date": "2000-01-01"}, "promised_date"),
    ],
)
def test_intake_bad_input_shows_the_error_and_creates_nothing(desk, clerk, change, field):
    response = clerk.post("/admin/cases/new/", intake_data(desk) | change)
    assert response.status_code == 200
    assert field in form_errors(response), form_errors(response)
    with in_center(desk):
        assert not Case.objects.exists()
        assert not CaseFile.objects.exists()


def test_intake_error_messages_are_chinese(desk, clerk):
    data = intake_data(desk, applicant_id_number="110105194912310021")
    response = clerk.post("/admin/cases/new/", data)
    assert "居民身份证号" in " ".join(form_errors(response)["applicant_id_number"])
    page = response.content.decode()
    assert 'data-error-for="applicant_id_number"' in page
    # The same idempotency key is kept, so the corrected form still makes one case.
    assert data["idempotency_key"] in page


def test_intake_organisation_with_credit_code(desk, clerk):
    data = intake_data(desk, applicant_kind="organisation", applicant_name="沈阳某某有限公司") | {
        "applicant_id_number": ORG_CODE.lower(),
        "applicant_phone": "024-88886666",
    }
    response = clerk.post("/admin/cases/new/", data)
    assert response.status_code == 302, form_errors(response)
    with in_center(desk):
        case = Case.objects.get()
        assert (case.applicant_kind, case.applicant_id_number) == ("organisation", ORG_CODE)


def test_intake_accept_with_missing_material_is_refused_on_materials(desk, clerk):
    response = clerk.post("/admin/cases/new/", intake_data(desk, states={1: "missing"}))
    assert response.status_code == 200
    assert "materials" in form_errors(response)
    assert "申请表" in " ".join(form_errors(response)["materials"])
    with in_center(desk):
        assert not Case.objects.exists()


def test_intake_accepts_a_tolerance_material_with_the_date_it_comes(desk, clerk):
    """容缺受理 (issue 15; seed plan 1): at the window the clerk accepts a case while a
    容缺-eligible material is missing, with the date the applicant promises to bring it; the
    case keeps it as pending and prints the 承诺书. A material the template does not mark, or a
    date that is not a date, is refused on the materials and nothing is registered."""
    from centers.cases.models import CaseMaterial, DocumentKind

    from .conftest import make_matter

    with in_center(desk):
        tolerant = make_matter(
            "TS-019",
            materials=[
                {"name": "居民身份证", "originals": 1, "copies": 1, "required": True, "note": ""},
                {"name": "收入证明", "originals": 1, "copies": 0, "required": True, "note": "",
                 "tolerance": True},
            ],
        )  # fmt: skip
    page = clerk.get("/admin/cases/new/")
    offered = {m["code"]: m for m in page.context["matters"]}["TS-019"]["materials"]
    assert [m["tolerance"] for m in offered] == [False, True]
    due = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    base = intake_data(desk, matter=tolerant, states={1: "missing"})
    for wrong in (
        {"mat-0-state": "missing", "mat-0-tolerance_due": due},  # not a 容缺 material
        {"mat-1-tolerance_due": "7 November"},
    ):
        response = clerk.post("/admin/cases/new/", base | wrong)
        assert response.status_code == 200
        assert "materials" in form_errors(response)
        with in_center(desk):
            assert not Case.objects.exists()
    response = clerk.post("/admin/cases/new/", base | {"mat-1-tolerance_due": due})
    assert response.status_code == 302, form_errors(response)
    with in_center(desk):
        case = Case.objects.get()
        assert case.status == "accepted"
        line = case.materials.get(name="收入证明")
        assert (line.state, line.tolerance_due.isoformat()) == (CaseMaterial.State.TOLERATED, due)
        assert case.documents.filter(kind=DocumentKind.TOLERANCE_COMMITMENT).exists()


def test_intake_scan_checked_by_content(desk, clerk):
    data = intake_data(desk) | {
        "mat-0-file": SimpleUploadedFile("id.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    }
    response = clerk.post("/admin/cases/new/", data)
    assert response.status_code == 200
    assert "id.pdf" in " ".join(form_errors(response)["materials"])
    with in_center(desk):
        assert not Case.objects.exists()
        assert not CaseFile.objects.exists()


def test_double_submit_makes_one_case(desk, clerk):
    data = intake_data(desk)
    first = clerk.post("/admin/cases/new/", data)
    second = clerk.post("/admin/cases/new/", data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    with in_center(desk):
        assert Case.objects.count() == 1
    # A new rendering of the form is a new key: a second application is a second case.
    clerk.post("/admin/cases/new/", data | {"idempotency_key": uuid.uuid4().hex})
    with in_center(desk):
        assert Case.objects.count() == 2


def test_joint_case_takes_its_departments(desk, clerk):
    lead, other, _third = desk.departments
    data = intake_data(desk, matter=desk.joint)
    response = clerk.post("/admin/cases/new/", data)
    assert response.status_code == 200
    assert "lead_department" in form_errors(response)
    data |= {"lead_department": lead.pk, "departments": [other.pk]}
    response = clerk.post("/admin/cases/new/", data)
    assert response.status_code == 302, form_errors(response)
    with in_center(desk):
        case = Case.objects.get()
        assert case.kind == "joint"
        assert {t.department_id for t in case.tasks.all()} == {lead.pk, other.pk}


# --- the list ----------------------------------------------------------------------------------


def _past_working_day(days_back: int) -> datetime.datetime:
    """An aware datetime about `days_back` days ago, on a Monday to Thursday at 10:00."""
    day = timezone.localdate() - datetime.timedelta(days=days_back)
    while day.weekday() > 3:
        day -= datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))


@pytest.fixture
def listed(desk):
    """Cases of every kind the filters tell apart."""
    with in_center(desk):
        window2 = Window.objects.create(number=2, name="社保窗口", kind="standalone")
    cases = {
        "accepted": make_case(desk),
        "urgent": make_case(desk, urgent=True, urgent_reason="申请人急需", owner=desk.clerk),
        "other_window": make_case(desk, window=window2, owner=desk.clerk_b),
        "overdue": make_case(desk, now=_past_working_day(60)),
        "supplementing": make_case(
            desk,
            outcome="supplement",
            materials=[{"name": "申请表", "state": "missing"}],
        ),
        "paid": make_case(
            desk,
            matter=desk.paid,
            applicant=desk.applicant(name="李四"),
            materials=desk.received(desk.paid),
        ),
    }
    with in_center(desk):
        # 统一收费: the result is handed over once its fee is paid.
        fees.fee_pay(actor=desk.clerk, fee=cases["paid"].fees.get(), payment_reference="POS-1")
        services.case_close(
            actor=desk.clerk,
            case=cases["paid"],
            decision="approved",
            handover="window",
        )
    return cases, window2


def test_list_shows_open_cases_urgent_first_with_deadlines(desk, clerk, listed):
    cases, _window2 = listed
    response = clerk.get("/admin/cases/")
    assert response.status_code == 200
    shown = receipts(response)
    assert shown[0] == cases["urgent"].receipt_number  # 急办件 first
    assert cases["paid"].receipt_number not in shown  # closed: not open
    assert len(shown) == 5
    rows = {case.receipt_number: deadline for case, deadline, _owner in response.context["rows"]}
    assert rows[cases["overdue"].receipt_number].overdue
    assert rows[cases["overdue"].receipt_number].overdue_by > 0
    assert rows[cases["accepted"].receipt_number].remaining >= 0
    assert rows[cases["supplementing"].receipt_number].remaining is None
    page = response.content.decode()
    assert 'data-badge="urgent"' in page and 'data-badge="overdue"' in page
    assert "张*" in page and "张三" not in page  # masked names
    # Every status ("" is all) and one status.
    everything = receipts(clerk.get("/admin/cases/", {"status": ""}))
    assert cases["paid"].receipt_number in everything and len(everything) == 6
    closed = receipts(clerk.get("/admin/cases/", {"status": "closed"}))
    assert closed == [cases["paid"].receipt_number]
    assert receipts(clerk.get("/admin/cases/", {"status": "supplementing"})) == [
        cases["supplementing"].receipt_number
    ]


def test_list_filters(desk, clerk, listed):
    cases, window2 = listed

    def only(**params):
        return receipts(clerk.get("/admin/cases/", {"status": "", **params}))

    assert only(window=window2.pk) == [cases["other_window"].receipt_number]
    assert only(overdue="on") == [cases["overdue"].receipt_number]
    assert only(urgent="on") == [cases["urgent"].receipt_number]
    assert only(matter=desk.paid.code) == [cases["paid"].receipt_number]
    assert only(q="李四") == [cases["paid"].receipt_number]
    receipt = cases["urgent"].receipt_number
    assert only(q=receipt) == [receipt]
    today = {c.receipt_number for k, c in cases.items() if k != "overdue"}
    assert set(only(q=receipt[:20])) == today  # a day's prefix: division code and date
    assert set(only(q=receipt[12:20])) == today  # the date alone, as older receipts began
    mine = only(mine="on")
    assert cases["other_window"].receipt_number not in mine
    assert cases["supplementing"].receipt_number not in mine  # the owner comes at acceptance
    assert cases["accepted"].receipt_number in mine and len(mine) == 4


def test_mine_includes_the_absent_a_holders_cases_for_the_b_holder(desk, clerk, listed):
    cases, _window2 = listed
    theirs = cases["other_window"].receipt_number
    with in_center(desk):
        Post.objects.create(name="社保岗", window=desk.window, holder_a=desk.clerk_b,
                            holder_b=desk.clerk)  # fmt: skip
    assert theirs not in receipts(clerk.get("/admin/cases/", {"mine": "on"}))
    today = timezone.localdate()
    with in_center(desk):
        Absence.objects.create(user=desk.clerk_b, start_date=today, end_date=today, reason="病假")
    assert theirs in receipts(clerk.get("/admin/cases/", {"mine": "on"}))


def test_list_pages_by_keyset(desk, clerk, listed, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    response = clerk.get("/admin/cases/", {"status": ""})
    seen = receipts(response)
    pages = 1
    while response.context["next_page_url"]:
        assert "after=" in response.context["next_page_url"]
        assert response.context["first_page_url"] or pages == 1
        response = clerk.get("/admin/cases/" + response.context["next_page_url"])
        assert response.status_code == 200
        seen += receipts(response)
        pages += 1
    assert pages == 3
    assert len(seen) == len(set(seen)) == 6
    assert seen[0] == listed[0]["urgent"].receipt_number
    # A broken cursor is the first page, not an error.
    assert receipts(clerk.get("/admin/cases/", {"status": "", "after": "x_y_z"}))[:2] == seen[:2]


def test_other_center_sees_none_of_these_cases(desk, listed, other_township, make_user,
                                               client_for):  # fmt: skip
    make_user(other_township, "clerk9", Role.WINDOW_STAFF)
    other = login(client_for(other_township), "clerk9")
    response = other.get("/admin/cases/", {"status": ""})
    assert response.status_code == 200 and receipts(response) == []
    receipt = listed[0]["accepted"].receipt_number
    assert other.get(f"/admin/cases/{receipt}/").status_code == 404
    # Their session cookie on this center's domain is nobody's: to the login page.
    foreign = client_for(desk.center)
    foreign.cookies = other.cookies
    for response in (
        foreign.get("/admin/cases/"),
        foreign.get(f"/admin/cases/{receipt}/"),
        foreign.post("/admin/cases/new/", intake_data(desk)),
        foreign.post(f"/admin/cases/{receipt}/", {"action": "withdraw", "reason": "x"}),
    ):
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    with in_center(desk):
        assert Case.objects.count() == len(listed[0])
        assert Case.objects.get(receipt_number=receipt).status == "accepted"


# --- the case page and its action forms ---------------------------------------------------------


def act(client, case, action, data=None, **kwargs):
    return client.post(
        f"/admin/cases/{case.receipt_number}/", {"action": action, **(data or {})}, **kwargs
    )


def reload(desk, case) -> Case:
    with in_center(desk):
        return Case.objects.get(pk=case.pk)


def offered(client, case) -> list[str]:
    response = client.get(f"/admin/cases/{case.receipt_number}/")
    assert response.status_code == 200
    return [item["name"] for item in response.context["action_forms"]]


def received_case(desk, **extra) -> Case:
    """An agent's application, received for pre-review."""
    with in_center(desk):
        point = ServicePoint.objects.create(name=f"站{uuid.uuid4().hex[:6]}", village="新村")
        point.agents.add(desk.agent)
    return make_case(
        desk,
        actor=desk.agent,
        outcome="receive",
        channel="village_point",
        service_point=point,
        window=None,
        **extra,
    )


def test_case_page_shows_everything(desk, clerk, media_root):
    case = make_case(
        desk,
        matter=desk.paid,
        materials=desk.received(desk.paid),
        uploads=[(SimpleUploadedFile("id.pdf", PDF, "application/pdf"), "居民身份证")],
    )
    response = clerk.get(f"/admin/cases/{case.receipt_number}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert case.receipt_number in page and "张三" in page and "11010519491231002X" not in page
    history = response.context["history"]
    assert [row["code"] for row in history] == [1, 3]  # 已接件, 已受理
    assert history[1]["from"] and history[1]["to"]
    assert history[0]["attachments"][0]["url"].startswith(
        f"/admin/cases/{case.receipt_number}/scans/"
    )
    assert history[1]["attachments"][0]["url"].startswith(
        f"/admin/cases/{case.receipt_number}/documents/"
    )
    assert 'data-document="acceptance_notice"' in page and "id.pdf" in page
    assert response.context["fees"][0].amount == 10  # 统一收费: the matter's fee
    assert response.context["deadline"].due_date == case.due_date
    assert set(offered(clerk, case)) == {
        "request_supplement", "start_special", "reassign", "record_visit", "close", "withdraw",
        "attach", "request_approval",  # the fee's waiver, asked of the director
    }  # fmt: skip
    assert "extend" in offered(login(clerk, "director1"), case)


def test_accept_a_received_case(desk, clerk):
    case = received_case(desk)
    assert "accept" in offered(clerk, case)
    # A service error comes back on its field, and nothing changes.
    response = act(clerk, case, "accept", {"owner": desk.clerk_b.pk, "promised_date": "2099-01-01"})
    assert response.status_code == 200
    form = next(i["form"] for i in response.context["action_forms"] if i["name"] == "accept")
    assert "promised_date" in form.errors
    assert reload(desk, case).status == "received"
    response = act(clerk, case, "accept", {"owner": desk.clerk_b.pk})
    assert response.status_code == 302
    case = reload(desk, case)
    assert (case.status, case.owner_id) == ("accepted", desk.clerk_b.pk)


def test_supplement_and_complete(desk, clerk):
    case = received_case(desk)
    with in_center(desk):
        lines = {m.name: m.pk for m in case.materials.all()}
    data = {f"m{pk}_state": "received" for pk in lines.values()}
    response = act(clerk, case, "request_supplement", data)
    assert response.status_code == 200  # nothing marked missing: the notice would be empty
    assert reload(desk, case).status == "received"
    data[f"m{lines['申请表']}_state"] = "missing"
    response = act(clerk, case, "request_supplement", data | {"reason": "缺申请表"})
    assert response.status_code == 302
    assert reload(desk, case).status == "supplementing"
    assert "complete_supplement" in offered(clerk, case)
    response = act(
        clerk,
        case,
        "complete_supplement",
        {f"m{pk}_state": "received" for pk in lines.values()}
        | {"owner": desk.clerk.pk, "uploads": [SimpleUploadedFile("a.pdf", PDF)]},
    )
    assert response.status_code == 302
    case = reload(desk, case)
    assert (case.status, case.owner_id) == ("accepted", desk.clerk.pk)
    with in_center(desk):
        assert case.files.get().original_name == "a.pdf"
        assert set(case.documents.values_list("kind", flat=True)) == {
            "supplement_notice", "acceptance_notice"
        }  # fmt: skip


def test_refuse_a_received_case(desk, clerk):
    case = received_case(desk)
    response = act(clerk, case, "refuse", {"kind": "not_acceptable", "reason": "不符合条件"})
    assert response.status_code == 200 and reload(desk, case).status == "received"
    response = act(
        clerk,
        case,
        "refuse",
        {"kind": "not_acceptable", "reason": "不符合条件", "basis": "《行政许可法》第三十二条"},
    )
    assert response.status_code == 302
    assert reload(desk, case).status == "not_accepted"


def test_special_procedure_extension_reassign_visit_close(desk, clerk, director):
    case = make_case(desk)
    due = case.due_date
    response = act(clerk, case, "start_special", {"kind": "inspection", "reason": "现场核查",
                                                  "expected_days": 3})  # fmt: skip
    assert response.status_code == 302
    assert reload(desk, case).status == "special"
    assert act(clerk, case, "end_special", {"result": "核查通过"}).status_code == 302
    assert reload(desk, case).status == "accepted"
    # Extension: the director only, with a reason; a clerk is refused and nothing changes.
    assert "extend" not in offered(clerk, case)
    response = act(clerk, case, "extend", {"days": 5, "reason": "情况复杂", **APPROVER})
    assert response.status_code == 302
    assert reload(desk, case).extension_days == 0
    response = act(director, case, "extend", {"days": 11, "reason": "情况复杂", **APPROVER})
    assert response.status_code == 200 and reload(desk, case).extension_days == 0
    assert (
        act(director, case, "extend", {"days": 5, "reason": "情况复杂", **APPROVER}).status_code
        == 302
    )
    case = reload(desk, case)
    assert case.extension_days == 5 and case.due_date > due
    # Reassignment is recorded.
    assert act(clerk, case, "reassign", {"owner": desk.clerk_b.pk}).status_code == 200
    assert (
        act(clerk, case, "reassign", {"owner": desk.clerk_b.pk, "reason": "调岗"}).status_code
        == 302
    )
    assert reload(desk, case).owner_id == desk.clerk_b.pk
    # 两次终结: the clerk records the second visit; a third needs the director.
    assert act(clerk, case, "record_visit", {"note": "补交复印件"}).status_code == 302
    assert reload(desk, case).visits == 2
    assert "record_visit" not in offered(clerk, case)
    assert act(clerk, case, "record_visit", {"note": "再次来访"}).status_code == 302
    assert reload(desk, case).visits == 2
    assert act(director, case, "record_visit", {"note": ""}).status_code == 200
    assert act(director, case, "record_visit", {"note": "领导批准"}).status_code == 302
    assert reload(desk, case).visits == 3
    # Reply and close.
    response = act(clerk, case, "close", {"decision": "denied", "handover": "window"})
    assert response.status_code == 200  # a denial needs its reasons
    assert reload(desk, case).status == "accepted"
    response = act(clerk, case, "close", {"decision": "approved", "handover": "post",
                                          "handed_over_at": "2026-01-05T10:30"})  # fmt: skip
    assert response.status_code == 302
    case = reload(desk, case)
    assert (case.status, case.decision, case.handover) == ("closed", "approved", "post")
    with in_center(desk):
        actions = list(case.events.values_list("action", flat=True))
    assert actions == [
        "receive", "accept", "start_special", "end_special", "extend", "reassign",
        "record_visit", "record_visit", "close",
    ]  # fmt: skip
    assert offered(clerk, case) == []


def test_director_revokes_a_granted_decision_from_the_case_page(desk, clerk, director):
    case = make_case(desk)
    assert (
        act(clerk, case, "close", {"decision": "approved", "handover": "window"}).status_code == 302
    )
    assert offered(clerk, case) == []
    assert offered(director, case) == ["revoke"]
    response = act(director, case, "revoke", {"reason": "", "basis": "第六十九条"})
    assert response.status_code == 200 and reload(desk, case).revoked_at is None
    response = act(
        director, case, "revoke", {"reason": "申请人隐瞒有关情况", "basis": "第六十九条"}
    )
    assert response.status_code == 302
    case = reload(desk, case)
    assert case.revoked_at is not None and case.status == "closed"
    page = director.get(f"/admin/cases/{case.receipt_number}/").content.decode()
    assert 'data-field="revoked"' in page and "申请人隐瞒有关情况" in page
    assert 'data-document="revocation_decision"' in page
    assert offered(director, case) == []


def test_sign_off_offers_each_person_only_the_departments_they_may_sign_for(
    desk, clerk, client_for
):
    lead, stationed, _third = desk.departments
    with in_center(desk):
        window = Window.objects.create(number=2, name="社保窗口", kind="independent")
        window.departments.set([stationed])
        window.staff.set([desk.clerk_b])
    case = make_case(
        desk,
        matter=desk.joint,
        materials=desk.received(desk.joint),
        lead_department=lead,
        departments=[stationed],
    )
    with in_center(desk):
        tasks = {t.department_id: t.pk for t in case.tasks.all()}
    # The owner: the lead department has no window, so the owner records its opinion; the
    # stationed one signs at its own window, not through the owner.
    response = act(clerk, case, "task_sign_off", {"task": tasks[stationed.pk], "opinion": "同意"})
    assert response.status_code == 200
    form = next(i["form"] for i in response.context["action_forms"] if i["name"] == "task_sign_off")
    assert "task" in form.errors
    assert (
        act(clerk, case, "task_sign_off", {"task": tasks[lead.pk], "opinion": "同意"}).status_code
        == 302
    )
    assert "task_sign_off" not in offered(clerk, case)
    clerk2 = login(client_for(desk.center), "clerk2")
    assert "task_sign_off" in offered(clerk2, case)
    assert (
        act(
            clerk2, case, "task_sign_off", {"task": tasks[stationed.pk], "opinion": "同意"}
        ).status_code
        == 302
    )
    with in_center(desk):
        signed = dict(case.tasks.values_list("department_id", "signed_off_by"))
    assert signed == {lead.pk: desk.clerk.pk, stationed.pk: desk.clerk_b.pk}


def test_joint_sign_off_and_withdraw(desk, clerk):
    lead, other, _third = desk.departments
    case = make_case(
        desk,
        matter=desk.joint,
        materials=desk.received(desk.joint),
        lead_department=lead,
        departments=[other],
    )
    with in_center(desk):
        tasks = {t.department_id: t.pk for t in case.tasks.all()}
    response = act(clerk, case, "close", {"decision": "approved", "handover": "window"})
    assert response.status_code == 200  # waiting for the departments' sign-off
    form = next(i["form"] for i in response.context["action_forms"] if i["name"] == "close")
    assert form.non_field_errors()
    for pk in tasks.values():
        assert act(clerk, case, "task_sign_off", {"task": pk, "opinion": "同意"}).status_code == 302
    assert "task_sign_off" not in offered(clerk, case)
    withdrawn = make_case(desk)
    assert act(clerk, withdrawn, "withdraw", {"reason": ""}).status_code == 200
    assert act(clerk, withdrawn, "withdraw", {"reason": "申请人撤回"}).status_code == 302
    assert reload(desk, withdrawn).status == "withdrawn"


def test_attach_scan(desk, clerk):
    case = make_case(desk)
    with in_center(desk):
        material = case.materials.get(name="申请表")
    bad = SimpleUploadedFile("x.pdf", b"<html>not a scan</html>")
    response = act(clerk, case, "attach", {"file": bad, "material": material.pk})
    assert response.status_code == 200
    form = next(i["form"] for i in response.context["action_forms"] if i["name"] == "attach")
    assert "file" in form.errors
    good = SimpleUploadedFile("form.png", PNG)
    assert act(clerk, case, "attach", {"file": good, "material": material.pk}).status_code == 302
    with in_center(desk):
        scan = case.files.get()
        assert (scan.material_id, scan.content_type) == (material.pk, "image/png")


# --- downloads ---------------------------------------------------------------------------------


def test_downloads_for_case_staff_only(desk, other_township, make_user, client_for, clerk):
    case = make_case(
        desk, uploads=[(SimpleUploadedFile("id.pdf", PDF, "application/pdf"), "居民身份证")]
    )
    with in_center(desk):
        scan = case.files.get()
        document = case.documents.get()
        document_bytes = document.file.read()
    scan_url = f"/admin/cases/{case.receipt_number}/scans/{scan.pk}/"
    document_url = f"/admin/cases/{case.receipt_number}/documents/{document.pk}/"
    response = clerk.get(scan_url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert "private" in response["Cache-Control"]
    response = clerk.get(document_url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == document_bytes
    # The wrong case's number, an unknown file: 404.
    assert clerk.get(f"/admin/cases/20000101{99999}/scans/{scan.pk}/").status_code == 404
    assert clerk.get(f"/admin/cases/{case.receipt_number}/scans/999999/").status_code == 404
    # Public media never serves case files.
    assert clerk.get(f"/media/{scan.file.name}").status_code == 404
    assert clerk.get(f"/media/{desk.center.schema_name}/{scan.file.name}").status_code == 404
    # Anonymous: to the login page; a village agent: refused.
    for url in (scan_url, document_url):
        response = client_for(desk.center).get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
        assert refused(login(client_for(desk.center), "agent1").get(url))
    # Another center's clerk: their session means nothing on this domain, and on their own
    # domain this case does not exist.
    make_user(other_township, "clerk9", Role.WINDOW_STAFF)
    other = login(client_for(other_township), "clerk9")
    assert other.get(scan_url).status_code == 404
    assert other.get(document_url).status_code == 404
    foreign = client_for(desk.center)
    foreign.cookies = other.cookies
    for url in (scan_url, document_url):
        response = foreign.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


# --- the village agent ---------------------------------------------------------------------------


def test_village_agent_gets_only_the_intake_of_their_points(desk, client_for):
    with in_center(desk):
        mine = ServicePoint.objects.create(name="新村便民服务站", village="新村")
        mine.agents.add(desk.agent)
        other_point = ServicePoint.objects.create(name="旧村便民服务站", village="旧村")
    agent = login(client_for(desk.center), "agent1")
    response = agent.get("/admin/cases/")
    assert response.status_code == 302 and response["Location"] == "/admin/cases/new/"
    response = agent.get("/admin/cases/new/")
    assert response.status_code == 200
    form = response.context["form"]
    assert [c[0] for c in form.fields["channel"].choices] == ["village_point"]
    assert list(form.fields["service_point"].queryset) == [mine]
    for absent in ("outcome", "window", "owner", "refusal_reason", "promised_date"):
        assert absent not in form.fields
    # Another point is refused on the field; nothing is created.
    data = intake_data(desk, channel="village_point", service_point=other_point.pk)
    response = agent.post("/admin/cases/new/", data)
    assert response.status_code == 200 and "service_point" in form_errors(response)
    with in_center(desk):
        assert not Case.objects.exists()
    # Asking to accept changes nothing: an agent's application is received for pre-review.
    data = intake_data(desk, channel="village_point", service_point=mine.pk, outcome="accept")
    response = agent.post("/admin/cases/new/", data)
    assert response.status_code == 302 and response["Location"] == "/admin/cases/new/"
    with in_center(desk):
        case = Case.objects.get()
        assert (case.status, case.channel, case.service_point_id) == (
            "received", "village_point", mine.pk
        )  # fmt: skip
        assert case.first_contact_id == desk.agent.pk and case.owner_id is None
    # The agent cannot open the case, act on it or download anything.
    assert refused(agent.get(f"/admin/cases/{case.receipt_number}/"))
    assert refused(act(agent, case, "accept", {"owner": desk.clerk.pk}))
    assert reload(desk, case).status == "received"


def test_village_agent_without_a_point_is_told(desk, client_for):
    agent = login(client_for(desk.center), "agent1")
    response = agent.get("/admin/cases/new/")
    assert response.status_code == 200 and response.context["no_service_point"]


def test_a_report_up_case_is_forwarded_to_the_district_from_the_desk(desk, clerk):
    """Issue 15 (行政许可法 art. 32): a 上报件 received for pre-review is forwarded, not
    accepted: the desk offers "Forward to district" and no acceptance."""
    ordinary = make_case(desk)
    assert "refer_up" not in offered(clerk, ordinary)
    case = make_case(desk, matter=desk.report, outcome="receive")
    assert "refer_up" in offered(clerk, case) and "accept" not in offered(clerk, case)
    response = act(clerk, case, "refer_up", {"note": "初审通过，代办上报"})
    assert response.status_code == 302
    case = reload(desk, case)
    assert (case.status, case.remote_center) == ("referred", "shenbei")
    with in_center(desk):
        assert case.events.get(action="refer_up").reason == "初审通过，代办上报"
