"""The director's approval round in a real browser (Debian's chromium through Playwright)
against a real gunicorn: a clerk asks for a third visit on the case page, the director finds
it on the admin home page, opens the case and approves it.

The center is committed for real (another process serves it), so everything made here has
unique names; the center's schema goes after this module (committed_center), and the notice
files printed here are removed here."""

import random
import re
import uuid

import pytest
from django_tenants.utils import schema_context

from tests.browser import CHROMIUM, CHROMIUM_FLAGS
from tests.centers.cases.conftest import PERSON_ID, at, make_matter
from tests.conftest import PASSWORD, host

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def twice_visited(committed_center, django_db_blocker):
    """A clerk, a director and a case the applicant has come to twice, committed so that the
    server sees them."""
    from centers.cases import services
    from centers.cases.models import CaseDocument
    from centers.workspace.models import Window
    from tenants.accounts.models import Role
    from tenants.accounts.services import staff_user_create

    suffix = uuid.uuid4().hex[:8]
    with django_db_blocker.unblock(), schema_context(committed_center.schema_name):
        clerk = staff_user_create(
            username=f"clerk-{suffix}", password=PASSWORD, role=Role.WINDOW_STAFF
        )
        director = staff_user_create(
            username=f"director-{suffix}", password=PASSWORD, role=Role.CENTER_DIRECTOR
        )
        window = Window.objects.create(
            number=random.randint(1000, 30000), name=f"综合窗口{suffix}", kind="combined"
        )
        window.staff.add(clerk)
        matter = make_matter(f"AP-{suffix}", name=f"审批测试事项{suffix}")
        intake = services.Intake(
            matter=matter,
            applicant={"kind": "person", "name": "张三", "id_number": PERSON_ID,
                       "phone": "13812345678"},
            materials=[{"name": m["name"], "state": "received", "originals_received": 1}
                       for m in matter.materials],
            window=window,
            owner=clerk,
        )  # fmt: skip
        case = services.case_intake(actor=clerk, intake=intake, now=at("2026-11-02"))
        case = services.case_record_visit(actor=clerk, case=case, note="补交复印件")
    yield {"center": committed_center, "clerk": clerk, "director": director, "case": case}
    with django_db_blocker.unblock(), schema_context(committed_center.schema_name):
        for document in CaseDocument.objects.filter(case=case):
            document.file.delete(save=False)


def _login(page, base: str, username: str, next_url: str) -> None:
    page.goto(f"{base}/admin/login/?next={next_url}")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_url(f"{base}{next_url}")


def test_clerk_asks_and_director_approves_a_third_visit(twice_visited, live_gunicorn, tmp_path):
    from playwright.sync_api import sync_playwright

    center, case = twice_visited["center"], twice_visited["case"]
    port = live_gunicorn.rsplit(":", 1)[1]
    base = f"http://{host(center)}:{port}"
    case_path = f"/admin/cases/{case.receipt_number}/"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            clerk = browser.new_context(locale="zh-CN").new_page()
            _login(clerk, base, twice_visited["clerk"].username, case_path)
            clerk.click("#action-request_approval summary")
            form = clerk.locator("#action-request_approval form")
            form.locator('select[name="kind"]').select_option("further_visit")
            form.locator('textarea[name="reason"]').fill("申请人需补签字，请批准第三次到场")
            form.locator('button[type="submit"]').click()
            clerk.wait_for_url(f"{base}{case_path}")
            assert clerk.locator('[data-approval="further_visit"][data-state="pending"]').count()
            # One waits: only 急办 (issue 15) is left to ask.
            assert (
                clerk.locator('#action-request_approval option[value="further_visit"]').count() == 0
            )

            director = browser.new_context(locale="zh-CN").new_page()
            _login(director, base, twice_visited["director"].username, "/admin/")
            panel = director.locator("#case-approvals-section, [id^=case-approvals]").first
            assert case.receipt_number in panel.text_content()
            director.click(f'a[href^="{case_path}"]')
            director.wait_for_url(re.compile(rf"{re.escape(base + case_path)}(#.*)?$"))
            director.click("#action-decide_approval summary")
            form = director.locator("#action-decide_approval form")
            # The one request waiting is chosen already.
            assert form.locator('select[name="request"] option').count() == 1
            form.locator('select[name="approve"]').select_option("yes")
            with director.expect_navigation():  # the POST, then the redirect to the case
                form.locator('button[type="submit"]').click()
            assert director.locator(
                '[data-approval="further_visit"][data-state="approved"]'
            ).count()
            assert director.text_content('[data-field="visits"]').strip().startswith("2")
            director.screenshot(path=str(tmp_path / "approved.png"), full_page=True)
        finally:
            browser.close()

    from centers.cases.models import ApprovalRequest

    with schema_context(center.schema_name):
        request = ApprovalRequest.objects.get(case=case)
        assert request.state == "approved"
        assert request.requested_by_id == twice_visited["clerk"].pk
        assert request.decided_by_id == twice_visited["director"].pk
        case.refresh_from_db()
        assert case.visits == 2
