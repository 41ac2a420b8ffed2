"""办理结果公开 (/results/): closed cases with masked names and no personal data, newest
first, by matter and month, paged by cursor; each center shows only its own."""

import pytest
from django_tenants.utils import schema_context

from centers.cases import services
from centers.cases.services import Intake, Outcome
from tests.centers.cases.conftest import at

pytestmark = pytest.mark.django_db


def _closed(desk, name, day, decision="approved", phone="13912345678"):
    case = services.case_intake(
        actor=desk.clerk,
        intake=Intake(
            matter=desk.matter,
            applicant=desk.applicant(name=name, phone=phone),
            outcome=Outcome.ACCEPT,
            materials=desk.received(),
            window=desk.window,
        ),
        now=at(day, 9),
    )
    note = "不符合申请条件" if decision == "denied" else ""
    return services.case_close(
        actor=desk.clerk,
        case=case,
        decision=decision,
        note=note,
        handover="window",
        now=at(day, 15),
    )


def test_closed_cases_are_published_masked(desk, other_township, client_for):
    with schema_context(desk.center.schema_name):
        first = _closed(desk, "欧阳娜娜", "2026-03-10")
        second = _closed(desk, "张三", "2026-03-11", decision="denied")
        open_case = services.case_intake(
            actor=desk.clerk,
            intake=Intake(
                matter=desk.matter,
                applicant=desk.applicant(name="李四"),
                outcome=Outcome.ACCEPT,
                materials=desk.received(),
                window=desk.window,
            ),
            now=at("2026-03-12"),
        )
    html = client_for(desk.center).get("/results/").content.decode()
    assert html.index(second.receipt_number) < html.index(first.receipt_number)  # newest first
    assert "欧***" in html and "张*" in html
    for secret in ("欧阳娜娜", "张三", "13912345678", first.applicant_id_number):
        assert secret not in html
    assert open_case.receipt_number not in html  # only closed cases
    assert "李四" not in html
    theirs = client_for(other_township).get("/results/").content.decode()
    assert first.receipt_number not in theirs and second.receipt_number not in theirs


def test_results_filter_and_page(desk, client_for, settings):
    from centers.cases import results

    with schema_context(desk.center.schema_name):
        made = [_closed(desk, f"王{n}", f"2026-03-{10 + n:02d}") for n in range(5)]
        made.append(_closed(desk, "赵六", "2026-04-01"))
        rows, cursor = results.results_published(size=4)
        assert [r.receipt_number for r in rows] == [c.receipt_number for c in made[::-1][:4]]
        rest, end = results.results_published(size=4, after=cursor)
        assert [r.receipt_number for r in rest] == [c.receipt_number for c in made[1::-1]]
        assert end is None
    client = client_for(desk.center)
    html = client.get("/results/?month=2026-04").content.decode()
    assert made[-1].receipt_number in html and made[0].receipt_number not in html
    html = client.get(f"/results/?matter={desk.matter.code}&month=2026-03").content.decode()
    assert made[0].receipt_number in html and made[-1].receipt_number not in html
    bad = client.get("/results/?month=March")
    assert bad.status_code == 400 and "2026-11" in bad.content.decode()
    # A cursor that is not one is ignored (the first page), never an error.
    assert client.get("/results/?after=nonsense").status_code == 200


def test_a_revoked_decision_is_marked_in_the_published_results(desk, client_for):
    with schema_context(desk.center.schema_name):
        kept = _closed(desk, "王五", "2026-03-10")
        revoked = _closed(desk, "赵六", "2026-03-11")
        services.case_revoke(
            actor=desk.director, case=revoked, reason="以欺骗手段取得", basis="第六十九条"
        )
    html = client_for(desk.center).get("/results/").content.decode()
    row = html[html.index(f'data-receipt="{revoked.receipt_number}"') :]
    row = row[: row.index("</tr>")]
    assert "data-revoked" in row
    assert "以欺骗手段取得" not in html  # the reasons are the applicant's, not the public's
    kept_row = html[html.index(f'data-receipt="{kept.receipt_number}"') :]
    assert "data-revoked" not in kept_row[: kept_row.index("</tr>")]
