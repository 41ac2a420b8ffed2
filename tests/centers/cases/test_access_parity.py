"""One offer of steps: for every role and a case in each reachable state, the forms the desk's
case page shows are the API's `actions` for that case, and both are
`access.case_actions_for` (issue 16)."""

import datetime

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from centers.cases import access, views
from centers.cases.api.serializers import ACTION_PATHS
from centers.cases.models import Case
from centers.cases.states import TRANSITIONS, CaseStatus
from centers.workspace.models import Absence, Post, Window
from tenants.accounts.models import Role
from tests.centers.cases.conftest import login

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases/"
REFUSAL = {"refusal_reason": "申请人不符合条件", "refusal_basis": "《行政许可法》第三十二条"}


def post(client, url, data=None):
    response = client.post(url, data or {}, content_type="application/json")
    assert response.status_code in (200, 201), response.content
    return response.json()


def intake(client, desk, matter=None, **extra) -> str:
    matter = matter or desk.matter
    data = {
        "matter": matter.code,
        "applicant_name": "张三",
        "applicant_id_number": "11010519491231002X",
        "applicant_phone": "13812345678",
        "window": desk.window.pk,
        "materials": desk.received(matter),
    } | extra
    return post(client, CASES, data)["receipt_number"]


def step(client, receipt, name, **data) -> None:
    post(client, f"{CASES}{receipt}/{name}/", data)


def cases_in_every_state(desk, clerk, director) -> dict[str, str]:
    """A receipt number for each state a township's case reaches (and the variants that
    change the offer: a 上报件, a joint case, two visits used, a waiting approval, a
    decision objected to)."""
    lead, stationed, _third = desk.departments
    with schema_context(desk.center.schema_name):
        window = Window.objects.create(number=2, name="社保窗口", kind="independent")
        window.departments.set([stationed])
        window.staff.set([desk.clerk_b])
    cases = {
        "received": intake(clerk, desk, outcome="receive"),
        "received_report_up": intake(clerk, desk, matter=desk.report, outcome="receive"),
        "supplementing": intake(
            clerk,
            desk,
            outcome="supplement",
            materials=[{"name": "申请表", "state": "missing"}],
        ),
        "accepted": intake(clerk, desk),
        "joint": intake(
            clerk, desk, matter=desk.joint, lead_department=lead.pk, departments=[stationed.pk]
        ),
        "special": intake(clerk, desk),
        "two_visits": intake(clerk, desk),
        "referred": intake(clerk, desk, matter=desk.report),
        "closed": intake(clerk, desk),
        "not_accepted": intake(clerk, desk, outcome="refuse", **REFUSAL),
        "withdrawn": intake(clerk, desk),
        "fee_to_waive": intake(clerk, desk, matter=desk.paid),
        "objected": intake(clerk, desk, outcome="refuse", **REFUSAL),
        "urgent": intake(director, desk, urgent=True, urgent_reason="急需", owner=desk.clerk.pk),
    }
    step(
        clerk, cases["special"], "special-start", kind="inspection", reason="核查", expected_days=3
    )
    step(clerk, cases["two_visits"], "visit", note="补交原件")  # the intake was the first
    step(clerk, cases["closed"], "close", decision="approved", handover="window")
    step(clerk, cases["withdrawn"], "withdraw", reason="申请人主动撤回")
    step(clerk, cases["objected"], "objection", text="异议")
    with schema_context(desk.center.schema_name):
        fee = Case.objects.get(receipt_number=cases["fee_to_waive"]).fees.get()
    step(clerk, cases["fee_to_waive"], "approvals", kind="fee_waiver", fee=fee.pk, reason="残疾人")
    with schema_context(desk.center.schema_name):
        statuses = set(Case.objects.values_list("status", flat=True))
    # Every state a township reaches on its own (the district decides a referred case).
    assert statuses >= set(CaseStatus) - {CaseStatus.REFERRAL_DECIDED}
    return cases


def desk_offer(client, receipt) -> list[str] | None:
    response = client.get(f"/admin/cases/{receipt}/")
    if response.status_code != 200:
        return None
    return [item["name"] for item in response.context["action_forms"]]


def api_offer(client, receipt) -> list[str] | None:
    response = client.get(f"{CASES}{receipt}/")
    if response.status_code != 200:
        return None
    return response.json()["actions"]


def test_every_step_has_a_desk_form_and_an_api_path():
    assert set(views.ACTIONS) == set(access.ACTION_ORDER)
    assert set(ACTION_PATHS) == set(access.ACTION_ORDER) - access.DESK_ONLY_ACTIONS
    assert set(access.ACTION_ORDER) - set(ACTION_PATHS) - access.DESK_ONLY_ACTIONS == set()
    assert {"request_approval", "decide_approval", "attach"} | set(TRANSITIONS) >= set(
        access.ACTION_ORDER
    )


def test_every_role_sees_the_same_steps_on_the_desk_and_in_the_api(
    desk, clerk, director, client_for
):
    cases = cases_in_every_state(desk, clerk, director)
    # The B holder of the clerk's post, acting while the A holder is away today.
    with schema_context(desk.center.schema_name):
        Post.objects.create(
            name="社保岗", window=desk.window, holder_a=desk.clerk, holder_b=desk.clerk_b
        )
        today = timezone.localdate()
        Absence.objects.create(
            user=desk.clerk, start_date=today, end_date=today + datetime.timedelta(days=1)
        )
    users = {
        Role.CENTER_DIRECTOR: (desk.director, director),
        Role.WINDOW_STAFF: (desk.clerk, clerk),
        "b_holder": (desk.clerk_b, login(client_for(desk.center), "clerk2")),
        Role.VILLAGE_AGENT: (desk.agent, login(client_for(desk.center), "agent1")),
    }
    seen: set[str] = set()
    for role, (user, client) in users.items():
        for state, receipt in cases.items():
            on_desk, in_api = desk_offer(client, receipt), api_offer(client, receipt)
            if role == Role.VILLAGE_AGENT:
                # An agent takes applications at a service point; the case page and the API
                # case are refused alike.
                assert on_desk is None and in_api is None, state
                continue
            assert on_desk is not None and in_api is not None, (role, state)
            with schema_context(desk.center.schema_name):
                case = Case.objects.get(receipt_number=receipt)
                offer = access.case_actions_for(user, case).names
            assert on_desk == offer, (role, state)
            expected = [ACTION_PATHS[n] for n in offer if n not in access.DESK_ONLY_ACTIONS]
            assert in_api == expected, (role, state, on_desk, in_api)
            seen.update(offer)
    # The parity covers the steps that differed before (上报, approvals) and most others.
    assert {"refer_up", "request_approval", "decide_approval", "revoke", "answer_objection"} <= seen
    assert {"accept", "task_sign_off", "end_special", "record_visit", "close"} <= seen


def test_city_staff_have_no_case_desk_or_case_api(city, city_admin, client_for, desk):
    """The city's roles live on the city's domain, where there are no cases."""
    client = login(client_for(city), "city-admin")
    assert client.get("/admin/cases/").status_code == 404
    assert client.get(CASES).status_code in (403, 404)
