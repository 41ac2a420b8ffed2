"""The case API on a center's domain: the list with its filters and keyset pages, intake (JSON
and multipart, idempotent), the case detail, every step, the history in the provincial
exchange's form, the public progress lookup; bad input, wrong roles and other centers."""

import datetime
import json
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context
from rest_framework.authtoken.models import Token

from centers.cases import clock, files, progress, services
from centers.cases.models import Case, CaseEvent, CaseFile
from centers.cases.services import Intake
from centers.workspace.models import ServicePoint, Window
from tenants.accounts.models import Role
from tests.browser import pdf_bytes
from tests.centers.cases.conftest import ORG_CODE, PERSON_ID, at, login

pytestmark = pytest.mark.django_db

PDF = pdf_bytes()  # a real PDF: files.check_scan opens every PDF
CASES = "/api/v1/cases/"
PROGRESS = "/api/v1/progress/"


@pytest.fixture
def point(desk):
    with schema_context(desk.center.schema_name):
        point = ServicePoint.objects.create(name="前进村便民服务站", village="前进村")
        point.agents.add(desk.agent)
    return point


def body(desk, matter=None, **extra) -> dict:
    """An intake with every material received, for acceptance at the clerk's window."""
    matter = matter or desk.matter
    return {
        "matter": matter.code,
        "applicant_name": "张三",
        "applicant_id_number": PERSON_ID,
        "applicant_phone": "13812345678",
        "window": desk.window.pk,
        "materials": desk.received(matter),
    } | extra


def post(client, url, data=None, **headers):
    return client.post(url, data or {}, content_type="application/json", headers=headers)


def intake(client, desk, matter=None, **extra):
    response = post(client, CASES, body(desk, matter, **extra))
    assert response.status_code == 201, response.content
    return response.json()


def counts(center) -> tuple:
    with schema_context(center.schema_name):
        return Case.objects.count(), CaseEvent.objects.count(), CaseFile.objects.count()


# 急办 (seed plan 1 六办件): a reason, and the director's confirmation (here, at intake).
URGENT = {"urgent": True, "urgent_reason": "申请人急需用于就医报销"}


def service_case(desk, *, actor=None, now=None, matter=None, outcome="accept", **extra) -> Case:
    """A case made directly through the service (for lists that need many, or old ones)."""
    matter = matter or desk.matter
    with schema_context(desk.center.schema_name):
        # 急办 is confirmed by the director (seed plan 1): an urgent case is the director's.
        actor = actor or (desk.director if extra.get("urgent") else desk.clerk)
        if extra.get("urgent"):
            extra.setdefault("owner", desk.clerk)
        return services.case_intake(
            actor=actor,
            intake=Intake(
                matter=matter,
                applicant=desk.applicant(**extra.pop("applicant", {})),
                outcome=outcome,
                materials=desk.received(matter) if outcome == "accept" else [],
                window=extra.pop("window", desk.window),
                **extra,
            ),
            now=now,
        )


# ---------------------------------------------------------------- intake


def test_intake_accepts_and_answers_the_case(desk, clerk):
    case = intake(clerk, desk)
    assert case["status"] == "accepted" and case["kind"] == "promised"
    assert case["matter"] == {"code": "TS-001", "name": desk.matter.name}
    assert case["owner"]["username"] == "clerk1"
    assert case["first_contact"]["username"] == "clerk1"
    assert case["window"] == "综合窗口" and case["channel"] == "window"
    today = clock.local_today()
    due, provisional = clock.due_date(today, 5)
    assert (case["due_date"], case["provisional"]) == (due.isoformat(), provisional)
    assert case["remaining_working_days"] == 5 and case["overdue"] is False
    # Masked in the case; in full only from the audited personal-data endpoint (test_pii).
    assert case["applicant"]["id_number"] == "1101**********002X"
    assert case["applicant"]["phone"] == "138****5678"
    assert [m["state"] for m in case["materials"]] == ["received", "received", "received"]
    assert [d["kind"] for d in case["documents"]] == ["acceptance_notice"]
    assert [e["process_code"] for e in case["events"]] == [1, 3]
    assert {"close", "reassign", "withdraw", "special-start"} <= set(case["actions"])
    assert "extend" not in case["actions"]  # the director's
    # Without a window, the window the clerk sits at.
    assert intake(clerk, desk, window=None)["window"] is None
    with schema_context(desk.center.schema_name):
        desk.window.staff.add(desk.clerk)
    assert intake(clerk, desk, window=None)["window"] == "综合窗口"


def test_intake_outcomes_supplement_refuse_receive(desk, clerk):
    materials = desk.received()
    materials[1] = {"name": "申请表", "state": "missing"}
    case = intake(clerk, desk, outcome="supplement", materials=materials)
    assert case["status"] == "supplementing" and case["pauses"][0]["kind"] == "supplement"
    refused = intake(
        clerk,
        desk,
        outcome="refuse",
        refusal_reason="不属于本中心受理范围",
        refusal_basis="《行政许可法》第三十二条",
        refusal_kind="out_of_scope",
        competent_authority="沈北新区市场监督管理局",  # art. 32(2): where to apply
    )
    assert refused["status"] == "not_accepted" and refused["refusal_kind"] == "out_of_scope"
    assert refused["competent_authority"] == "沈北新区市场监督管理局"
    received = intake(clerk, desk, outcome="receive", channel="online", materials=[])
    assert received["status"] == "received" and received["due_date"] is None


def test_intake_is_idempotent_by_header_or_field(desk, clerk):
    key = uuid.uuid4().hex
    first = post(clerk, CASES, body(desk), **{"Idempotency-Key": key})
    assert first.status_code == 201
    again = post(clerk, CASES, body(desk, applicant_name="李四"), **{"Idempotency-Key": key})
    assert again.status_code == 200
    assert again.json()["receipt_number"] == first.json()["receipt_number"]
    assert again.json()["applicant"]["name"] == "张三"  # the first case, unchanged
    by_field = post(clerk, CASES, body(desk, idempotency_key="form-key-1"))
    repeat = post(clerk, CASES, body(desk, idempotency_key="form-key-1"))
    assert (by_field.status_code, repeat.status_code) == (201, 200)
    assert repeat.json()["receipt_number"] == by_field.json()["receipt_number"]
    assert counts(desk.center)[0] == 2
    too_long = post(clerk, CASES, body(desk), **{"Idempotency-Key": "k" * 65})
    assert too_long.status_code == 400 and list(too_long.json()) == ["idempotency_key"]


@pytest.mark.parametrize(
    "change,field",
    [
        ({"applicant_id_number": PERSON_ID[:-1] + "3"}, "applicant_id_number"),  # checksum
        ({"applicant_id_number": "123456"}, "applicant_id_number"),
        (
            {"applicant_kind": "organisation", "applicant_id_number": ORG_CODE[:-1] + "X"},
            "applicant_id_number",
        ),  # USCC check character
        ({"applicant_phone": "12345"}, "applicant_phone"),
        ({"matter": "NOT-ADOPTED-9"}, "matter"),
        ({"promised_date": "2020-01-01"}, "promised_date"),
        ({"outcome": "approve"}, "outcome"),
        ({"materials": [{"name": "户口簿", "state": "received"}]}, "materials"),
        ({"materials": "not a list"}, "materials"),
        ({"materials": [{"name": "申请表", "state": "lost"}]}, "materials"),
        ({"window": 99999}, "window"),
        ({"owner": 99999}, "owner"),
        ({"applicant_name": ""}, "applicant_name"),
    ],
)
def test_bad_intake_is_400_naming_the_field_and_changes_nothing(desk, clerk, change, field):
    before = counts(desk.center)
    response = post(clerk, CASES, body(desk) | change)
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert counts(desk.center) == before


def test_a_body_that_is_not_an_intake_is_400(desk, clerk):
    before = counts(desk.center)
    assert post(clerk, CASES, [1, 2]).status_code == 400
    response = clerk.post(CASES, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert counts(desk.center) == before


def test_accepting_with_missing_materials_is_refused(desk, clerk):
    materials = desk.received()
    materials[0] = {"name": "居民身份证", "state": "missing"}
    before = counts(desk.center)
    response = post(clerk, CASES, body(desk, materials=materials))
    assert response.status_code == 400 and list(response.json()) == ["materials"]
    assert counts(desk.center) == before


def test_intake_with_scans_as_multipart(desk, clerk):
    data = body(desk)
    data["materials"] = json.dumps(data["materials"])
    data["files"] = [
        SimpleUploadedFile("身份证.pdf", PDF, content_type="application/pdf"),
        SimpleUploadedFile("申请表.pdf", PDF, content_type="application/pdf"),
    ]
    data["file_materials"] = ["居民身份证"]
    response = clerk.post(CASES, data)
    assert response.status_code == 201, response.content
    scans = response.json()["scans"]
    assert [(s["original_name"], s["material"]) for s in scans] == [
        ("身份证.pdf", "居民身份证"),
        ("申请表.pdf", None),
    ]
    assert all(s["content_type"] == "application/pdf" for s in scans)


def test_a_file_disguised_as_pdf_is_refused(desk, clerk):
    data = body(desk)
    data["materials"] = json.dumps(data["materials"])
    data["files"] = [SimpleUploadedFile("scan.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")]
    before = counts(desk.center)
    response = clerk.post(CASES, data)
    assert response.status_code == 400 and list(response.json()) == ["files"]
    assert counts(desk.center) == before


def test_an_oversized_file_is_refused(desk, clerk, monkeypatch):
    monkeypatch.setattr(files, "SCAN_MAX_BYTES", 64)
    data = body(desk)
    data["materials"] = json.dumps(data["materials"])
    data["files"] = [SimpleUploadedFile("big.pdf", PDF + b"0" * 64, "application/pdf")]
    before = counts(desk.center)
    response = clerk.post(CASES, data)
    assert response.status_code == 400 and list(response.json()) == ["files"]
    assert counts(desk.center) == before


def test_village_agent_forwards_an_application_and_nothing_more(desk, point, client_for):
    agent = login(client_for(desk.center), "agent1")
    response = post(agent, CASES, body(desk, window=None, materials=[]))
    assert response.status_code == 201, response.content
    case = response.json()
    assert case["status"] == "received" and case["channel"] == "village_point"
    assert case["service_point"] == "前进村便民服务站"
    # The agent may not decide, nor read or handle the center's cases.
    before = counts(desk.center)
    response = post(agent, CASES, body(desk, channel="village_point", outcome="accept"))
    assert response.status_code == 403
    assert counts(desk.center) == before
    assert agent.get(CASES).status_code == 403
    receipt = case["receipt_number"]
    assert agent.get(f"{CASES}{receipt}/").status_code == 403
    response = post(agent, f"{CASES}{receipt}/accept/")
    assert response.status_code == 403
    # A key another person used does not hand their case to the agent.
    key = uuid.uuid4().hex
    post(login(client_for(desk.center), "clerk1"), CASES, body(desk), **{"Idempotency-Key": key})
    response = post(agent, CASES, body(desk, materials=[]), **{"Idempotency-Key": key})
    assert response.status_code == 409
    # The clerk accepts the forwarded case after pre-review.
    clerk = login(client_for(desk.center), "clerk1")
    with schema_context(desk.center.schema_name):
        Case.objects.get(receipt_number=receipt).materials.update(state="received")
    response = post(clerk, f"{CASES}{receipt}/accept/")
    assert response.status_code == 200 and response.json()["status"] == "accepted"


# ---------------------------------------------------------------- list


def test_list_pages_by_cursor_newest_and_urgent_first(desk, clerk):
    made = [service_case(desk, now=at("2026-11-02", 9 + i)) for i in range(5)]
    urgent = service_case(desk, now=at("2026-11-02", 8), **URGENT)
    expected = [urgent.receipt_number] + [c.receipt_number for c in reversed(made)]
    seen, url = [], f"{CASES}?page_size=2"
    while url:
        response = clerk.get(url)
        assert response.status_code == 200
        page = response.json()
        assert len(page["results"]) <= 2
        seen += [item["receipt_number"] for item in page["results"]]
        url = page["next"]
    assert seen == expected
    item = clerk.get(CASES).json()["results"][0]
    assert set(item) == {
        "receipt_number", "matter", "kind", "kind_label", "urgent", "status", "status_label",
        "applicant", "owner", "received_at", "due_date", "provisional",
        "remaining_working_days", "overdue",
    }  # fmt: skip
    assert item["applicant"] == "张*" and item["urgent"] is True
    assert item["owner"]["username"] == "clerk1"


def test_list_filters(desk, clerk, director):
    old = service_case(desk, now=at("2026-03-02"))  # promised 5 days: overdue long ago
    urgent = service_case(desk, **URGENT, applicant={"name": "欧阳娜娜"})
    instant = service_case(desk, matter=desk.instant)
    received = service_case(desk, outcome="receive", window=None)
    mine_b = service_case(desk, actor=desk.clerk_b)

    def receipts(query):
        response = clerk.get(CASES, query)
        assert response.status_code == 200, response.content
        return {item["receipt_number"] for item in response.json()["results"]}

    everything = {c.receipt_number for c in (old, urgent, instant, received, mine_b)}
    assert receipts({}) == everything
    assert receipts({"status": "open"}) == everything
    assert receipts({"status": "received"}) == {received.receipt_number}
    assert receipts({"urgent": "true"}) == {urgent.receipt_number}
    assert receipts({"overdue": "true"}) == {old.receipt_number}
    assert receipts({"matter": "TS-002"}) == {instant.receipt_number}
    assert receipts({"q": "欧阳娜娜"}) == {urgent.receipt_number}
    assert receipts({"q": old.receipt_number[:8]}) >= {old.receipt_number}
    assert mine_b.receipt_number not in receipts({"mine": "true"})
    assert receipts({"window": desk.window.pk}) == everything - {received.receipt_number}
    overdue = next(i for i in clerk.get(CASES).json()["results"] if i["overdue"])
    assert overdue["receipt_number"] == old.receipt_number
    assert overdue["remaining_working_days"] < 0
    for query, field in (
        ({"status": "lost"}, "status"),
        ({"cursor": "nonsense"}, "cursor"),
        ({"page_size": "0"}, "page_size"),
        ({"window": "x"}, "window"),
    ):
        response = clerk.get(CASES, query)
        assert response.status_code == 400 and list(response.json()) == [field]


# ---------------------------------------------------------------- steps


def receipt_of(case) -> str:
    return case["receipt_number"] if isinstance(case, dict) else case.receipt_number


def step(client, case, name, **data):
    return post(client, f"{CASES}{receipt_of(case)}/{name}/", data)


def test_a_case_through_every_step(desk, clerk, director):
    materials = desk.received()
    materials[1] = {"name": "申请表", "state": "defective", "note": "未签字"}
    case = intake(clerk, desk, outcome="supplement", materials=materials)
    response = step(
        clerk,
        case,
        "complete-supplement",
        materials=[{"name": "申请表", "state": "received"}],
        via="post",  # not a visit (issue 15: visits counted from the steps)
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "accepted"
    response = step(
        clerk, case, "special-start", kind="inspection", reason="现场核查", expected_days=3
    )
    assert response.json()["status"] == "special" and response.json()["paused"] is True
    response = step(clerk, case, "special-end", result="核查合格")
    assert response.json()["status"] == "accepted"
    response = step(
        director, case, "extend", days=3, reason="情况复杂", approver_name="李主任",
        approver_post="中心主任",
    )  # fmt: skip
    assert response.status_code == 200 and response.json()["extension_days"] == 3
    response = step(clerk, case, "reassign", owner=desk.clerk_b.pk, reason="调岗")
    assert response.json()["owner"]["username"] == "clerk2"
    response = step(clerk, case, "visit", note="补交原件")
    assert response.json()["visits"] == 2
    response = step(clerk, case, "close", decision="approved", handover="window")
    assert response.status_code == 200
    closed = response.json()
    assert closed["status"] == "closed" and closed["actions"] == []
    assert [e["action"] for e in closed["events"]] == [
        "receive", "request_supplement", "complete_supplement", "accept", "start_special",
        "end_special", "extend", "reassign", "record_visit", "close",
    ]  # fmt: skip


def test_revoke_over_the_api_is_the_directors_and_shows_on_progress(desk, clerk, director):
    case = service_case(desk)
    closed = step(clerk, case, "close", decision="approved", handover="window").json()
    assert closed["actions"] == []  # the clerk's view: revoking is the director's
    detail = director.get(f"{CASES}{case.receipt_number}/").json()
    assert detail["actions"] == ["revoke"]
    refused = step(clerk, case, "revoke", reason="欺骗取得", basis="第六十九条")
    assert refused.status_code == 403
    bad = step(director, case, "revoke", reason="", basis="")
    assert bad.status_code == 400 and {"reason", "basis"} <= set(bad.json())
    response = step(director, case, "revoke", reason="欺骗取得", basis="第六十九条第二款")
    assert response.status_code == 200, response.content
    revoked = response.json()
    assert revoked["status"] == "closed" and revoked["revoked_at"]
    assert revoked["revocation_basis"] == "第六十九条第二款"
    assert revoked["actions"] == []
    assert [d["kind"] for d in revoked["documents"]][-1] == "revocation_decision"
    again = step(director, case, "revoke", reason="再次", basis="第六十九条")
    assert again.status_code == 400 and "status" in again.json()
    public = director.get(PROGRESS, {"receipt": case.receipt_number, "phone_last4": "5678"}).json()
    assert public["status_label"] == "已办结，原决定已依法撤销"
    assert [s["code"] for s in public["steps"]][-1] == 15


def test_refuse_supplement_and_withdraw(desk, clerk):
    received = service_case(desk, outcome="receive")
    response = step(
        clerk, received, "supplement", materials=[{"name": "居民身份证", "state": "missing"}]
    )
    assert response.status_code == 200 and response.json()["status"] == "supplementing"
    response = step(
        clerk,
        received,
        "refuse",
        refusal_reason="材料不实",
        refusal_basis="《行政许可法》第三十二条",
    )
    assert response.status_code == 200 and response.json()["status"] == "not_accepted"
    accepted = service_case(desk)
    response = step(clerk, accepted, "withdraw", reason="申请人主动撤回")
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"


@pytest.mark.parametrize(
    "name,data,field",
    [
        ("close", {"decision": "approved", "handover": "window"}, "status"),
        ("special-end", {}, "status"),
        ("accept", {}, "status"),
        ("refuse", {"refusal_reason": "x", "refusal_basis": "y"}, "status"),
        ("complete-supplement", {}, "status"),
        ("withdraw", {"reason": ""}, "reason"),
        ("reassign", {"owner": 99999, "reason": "x"}, "owner"),
        ("special-start", {"kind": "nap", "reason": "x"}, "kind"),
        ("close", {"decision": "maybe", "handover": "window"}, "decision"),
        ("extend", {"days": "many", "reason": "x"}, "days"),
    ],
)
def test_a_step_not_allowed_or_badly_asked_is_400_and_changes_nothing(
    desk, clerk, name, data, field
):
    """The steps are tried on a closed case (nothing is allowed any more) or with bad input."""
    case = service_case(desk)
    if field == "status":
        with schema_context(desk.center.schema_name):
            services.case_close(actor=desk.clerk, case=case, decision="approved", handover="post")
    with schema_context(desk.center.schema_name):
        case.refresh_from_db()
        before = (case.status, case.owner_id, case.updated_at, case.events.count())
    response = step(clerk, case, name, **data)
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    with schema_context(desk.center.schema_name):
        case.refresh_from_db()
        assert (case.status, case.owner_id, case.updated_at, case.events.count()) == before


def test_a_step_the_role_may_not_take_is_403(desk, clerk):
    case = service_case(desk)
    response = step(clerk, case, "extend", days=2, reason="情况复杂")  # the director's
    assert response.status_code == 403
    with schema_context(desk.center.schema_name):
        case.refresh_from_db()
        assert case.extension_days == 0 and case.events.count() == 2


def test_a_department_signs_through_its_own_window_over_the_api(desk, clerk, client_for):
    lead, stationed, _third = desk.departments
    with schema_context(desk.center.schema_name):
        window = Window.objects.create(number=2, name="社保窗口", kind="independent")
        window.departments.set([stationed])
        window.staff.set([desk.clerk_b])
    case = intake(clerk, desk, matter=desk.joint, lead_department=lead.pk,
                  departments=[stationed.pk])  # fmt: skip
    tasks = {t["department"]: t["id"] for t in case["tasks"]}
    detail = f"{CASES}{case['receipt_number']}/"
    sign = f"{detail}tasks/{{}}/sign-off/"
    assert "tasks/{id}/sign-off" in case["actions"]  # the lead department has no window
    response = post(clerk, sign.format(tasks[stationed.name]), {"opinion": "同意"})
    assert response.status_code == 403 and stationed.name in response.json()["detail"]
    assert post(clerk, sign.format(tasks[lead.name]), {"opinion": "同意"}).status_code == 200
    assert "tasks/{id}/sign-off" not in clerk.get(detail).json()["actions"]
    clerk2 = login(client_for(desk.center), "clerk2")
    assert "tasks/{id}/sign-off" in clerk2.get(detail).json()["actions"]
    response = post(clerk2, sign.format(tasks[stationed.name]), {"opinion": "同意"})
    assert response.status_code == 200
    assert all(t["signed_off_at"] for t in response.json()["tasks"])


def test_joint_case_sign_off(desk, clerk):
    lead, *others = desk.departments
    case = intake(
        clerk,
        desk,
        matter=desk.joint,
        lead_department=lead.pk,
        departments=[d.pk for d in others],
    )
    assert case["tasks"][0]["department"] == lead.name and len(case["tasks"]) == 3
    response = step(clerk, case, "close", decision="approved", handover="window")
    assert response.status_code == 400 and "tasks" in response.json()
    other = intake(clerk, desk, matter=desk.joint, lead_department=lead.pk,
                   departments=[others[0].pk])  # fmt: skip
    url = f"{CASES}{case['receipt_number']}/tasks/{other['tasks'][0]['id']}/sign-off/"
    assert post(clerk, url, {"opinion": "同意"}).status_code == 404  # another case's task
    for task in case["tasks"]:
        url = f"{CASES}{case['receipt_number']}/tasks/{task['id']}/sign-off/"
        response = post(clerk, url, {"opinion": "同意"})
        assert response.status_code == 200, response.content
    again = post(clerk, url, {"opinion": "同意"})
    assert again.status_code == 400 and "task" in again.json()
    assert post(clerk, url.replace(f"/{task['id']}/", "/0/"), {"opinion": "x"}).status_code == 404
    response = step(clerk, case, "close", decision="approved", handover="window")
    assert response.status_code == 200 and response.json()["status"] == "closed"


def test_unknown_receipt_is_404(desk, clerk):
    assert clerk.get(f"{CASES}2099010100001/").status_code == 404
    assert step(clerk, {"receipt_number": "2099010100001"}, "accept").status_code == 404
    assert clerk.get(f"{CASES}2099010100001/events/").status_code == 404


# ---------------------------------------------------------------- history


def test_history_and_its_provincial_exchange_form(desk, clerk):
    case = service_case(desk)
    step(clerk, case, "reassign", owner=desk.clerk_b.pk, reason="调岗")  # no process code
    step(clerk, case, "close", decision="approved", handover="window")
    full = clerk.get(f"{CASES}{case.receipt_number}/events/")
    assert full.status_code == 200
    assert [e["action"] for e in full.json()] == ["receive", "accept", "reassign", "close"]
    response = clerk.get(f"{CASES}{case.receipt_number}/events/", {"format": "process"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    process = response.json()
    assert [p["process_code"] for p in process] == [1, 3, 11]
    assert [p["process_name"] for p in process] == ["已接件", "已受理", "办结(通过)"]
    first = process[0]
    assert set(first) == {"receipt_number", "process_code", "process_name", "at", "actor", "note"}
    assert first["receipt_number"] == case.receipt_number
    assert first["actor"].endswith("(clerk1)") or first["actor"] == "clerk1"
    assert datetime.datetime.fromisoformat(first["at"]).utcoffset() == datetime.timedelta(hours=8)


# ---------------------------------------------------------------- public progress


def test_progress_lookup(desk, client_for, other_township, monkeypatch):
    case = service_case(desk)
    anonymous = client_for(desk.center)
    response = anonymous.get(PROGRESS, {"receipt": case.receipt_number, "phone_last4": "5678"})
    assert response.status_code == 200, response.content
    public = response.json()
    assert public["receipt_number"] == case.receipt_number and public["applicant"] == "张*"
    assert public["status"] == "accepted" and [s["code"] for s in public["steps"]] == [1, 3]
    assert "13812345678" not in response.content.decode()
    wrong = anonymous.get(PROGRESS, {"receipt": case.receipt_number, "phone_last4": "0000"})
    unknown = anonymous.get(PROGRESS, {"receipt": "2099010100001", "phone_last4": "5678"})
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.content == unknown.content
    # Another center's domain does not know this center's receipts.
    elsewhere = client_for(other_township).get(
        PROGRESS, {"receipt": case.receipt_number, "phone_last4": "5678"}
    )
    assert elsewhere.status_code == 404 and elsewhere.content == unknown.content
    bad = anonymous.get(PROGRESS, {"receipt": case.receipt_number, "phone_last4": "56a8"})
    assert bad.status_code == 400 and list(bad.json()) == ["phone_last4"]
    missing = anonymous.get(PROGRESS, {"phone_last4": "5678"})
    assert missing.status_code == 400 and list(missing.json()) == ["receipt"]


def test_progress_lookup_is_throttled(desk, client_for, monkeypatch):
    monkeypatch.setattr(progress, "IP_LIMIT", 3)
    case = service_case(desk)
    client = client_for(desk.center)
    query = {"receipt": case.receipt_number, "phone_last4": "0000"}
    assert [client.get(PROGRESS, query).status_code for _ in range(3)] == [404] * 3
    throttled = client.get(PROGRESS, {**query, "phone_last4": "5678"})
    assert throttled.status_code == 429 and int(throttled["Retry-After"]) > 0


# ---------------------------------------------------------------- who may see what


def test_anonymous_is_refused(desk, client_for):
    case = service_case(desk)
    anonymous = client_for(desk.center)
    before = counts(desk.center)
    assert anonymous.get(CASES).status_code in (401, 403)
    assert anonymous.get(f"{CASES}{case.receipt_number}/").status_code in (401, 403)
    assert anonymous.get(f"{CASES}{case.receipt_number}/events/").status_code in (401, 403)
    assert post(anonymous, CASES, body(desk)).status_code in (401, 403)
    response = step(anonymous, case, "close", decision="approved", handover="window")
    assert response.status_code in (401, 403)
    assert counts(desk.center) == before


def test_another_center_sees_nothing_of_this_centers_cases(
    desk, other_township, make_user, client_for
):
    case = service_case(desk)
    make_user(other_township, "clerk1", Role.WINDOW_STAFF)  # same username, other schema
    make_user(other_township, "director1", Role.CENTER_DIRECTOR)
    # Staff of the other center, on their own domain: not there.
    theirs = login(client_for(other_township), "clerk1")
    assert theirs.get(CASES).json()["results"] == []
    assert theirs.get(f"{CASES}{case.receipt_number}/").status_code == 404
    assert theirs.get(f"{CASES}{case.receipt_number}/events/").status_code == 404
    response = step(theirs, case, "close", decision="approved", handover="window")
    assert response.status_code == 404
    boss = login(client_for(other_township), "director1")
    assert step(boss, case, "extend", days=1, reason="x").status_code == 404
    assert step(boss, case, "revoke", reason="x", basis="y").status_code == 404
    # This center's session and token mean nothing on the other domain.
    ours = login(client_for(desk.center), "clerk1")
    ours.defaults["HTTP_HOST"] = client_for(other_township).defaults["HTTP_HOST"]
    assert ours.get(CASES).status_code in (401, 403)
    with schema_context(desk.center.schema_name):
        token = Token.objects.create(user=desk.clerk)
    header = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    assert client_for(desk.center).get(CASES, **header).status_code == 200
    assert client_for(other_township).get(CASES, **header).status_code == 401
    assert (
        client_for(other_township).get(f"{CASES}{case.receipt_number}/", **header).status_code
        == 401
    )
    # And this center's case is untouched.
    with schema_context(desk.center.schema_name):
        case.refresh_from_db()
        assert case.status == "accepted" and case.events.count() == 2


def test_not_on_the_city_domain(desk, city, city_admin, client_for):
    client = client_for(city)
    login(client, "city-admin")
    assert client.get(CASES).status_code == 404
    assert client.get(PROGRESS, {"receipt": "1", "phone_last4": "1234"}).status_code == 404


def test_the_schema_documents_every_endpoint(desk, clerk):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator(urlconf="cityplatform.urls_tenant").get_schema(public=True)
    paths = set(schema["paths"])
    assert {
        "/api/v1/calendar/due-date/",
        "/api/v1/progress/",
        "/api/v1/cases/",
        "/api/v1/cases/{receipt}/",
        "/api/v1/cases/{receipt}/events/",
        "/api/v1/cases/{receipt}/complete-supplement/",
        "/api/v1/cases/{receipt}/tasks/{task_id}/sign-off/",
    } <= paths


def test_fees_are_paid_and_waived_through_the_api(
    desk, other_township, make_user, client_for, clerk, director
):
    case = intake(clerk, desk, matter=desk.paid)
    fee_id = case["fees"][0]["id"]
    pay = f"{CASES}{case['receipt_number']}/fees/{fee_id}/pay/"
    assert post(clerk, pay, {}).status_code == 400  # the reference is required
    response = post(clerk, pay, {"payment_reference": "POS-0001"})
    assert response.status_code == 200 and response.json()["fees"][0]["state"] == "paid"
    assert post(clerk, pay, {"payment_reference": "POS-0002"}).status_code == 400
    other = intake(clerk, desk, matter=desk.paid)
    waive = f"{CASES}{other['receipt_number']}/fees/{other['fees'][0]['id']}/waive/"
    assert post(clerk, waive, {"reason": "低保户"}).status_code == 403  # the director approves
    # Seed plan 3 (统一收费): a waiver rests on a policy; without its basis, a 400 naming it.
    response = post(director, waive, {"reason": "低保户"})
    assert response.status_code == 400 and "basis_document" in response.json()
    response = post(
        director,
        waive,
        {"reason": "低保户", "basis_document": "沈政办发〔2026〕12号", "basis_article": "第五条"},
    )
    assert response.status_code == 200 and response.json()["fees"][0]["state"] == "waived"
    assert response.json()["fees"][0]["waiver_basis_document"] == "沈政办发〔2026〕12号"
    assert post(clerk, f"{CASES}{case['receipt_number']}/fees/0/pay/", {}).status_code == 404
    # Another center's clerk reaches nothing here.
    make_user(other_township, "clerk1", Role.WINDOW_STAFF)
    theirs = login(client_for(other_township), "clerk1")
    assert post(theirs, pay, {"payment_reference": "X"}).status_code == 404


def test_a_report_up_case_is_forwarded_through_the_api(desk, clerk):
    """Issue 15 (行政许可法 art. 32): a 上报件 received for pre-review is forwarded from
    RECEIVED, never accepted here; "accept" at intake means receive and forward at once."""
    ordinary = intake(clerk, desk)
    response = step(clerk, ordinary, "refer-up", note="试试")
    assert response.status_code == 400 and "kind" in response.json()
    case = intake(clerk, desk, matter=desk.report, outcome="receive")
    assert "accept" not in case["actions"]
    refused = step(clerk, case, "accept")
    assert refused.status_code == 400 and "status" in refused.json()
    forwarded = intake(clerk, desk, matter=desk.report)
    assert forwarded["status"] == "referred" and forwarded["accepted_on"] is None
    assert [d["kind"] for d in forwarded["documents"]] == ["materials_receipt"]
    response = step(clerk, case, "refer-up", note="初审通过")
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["remote_center"]) == ("referred", "shenbei")
