"""The intake page in a real browser (Debian's chromium through Playwright) against a real
gunicorn: a clerk logs in and registers a case with the keyboard alone.

The center is committed for real (another process serves it), so everything made here has
unique names; the center's schema goes after this module (committed_center), and the
notice files the server printed are removed here."""

import datetime
import random
import re
import uuid

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.browser import CHROMIUM, CHROMIUM_FLAGS
from tests.centers.cases.conftest import PERSON_ID, make_matter
from tests.conftest import PASSWORD, host

# The mark sets up the test database (a session whose tests need none would otherwise stay
# on the development database); the test itself writes nothing.
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def browser_desk(committed_center, django_db_blocker):
    """A clerk at a window and a matter in the committed center, unique to this run; module
    scoped, so it is committed before the test's transaction starts and the server sees it."""
    from centers.cases.models import CaseDocument
    from centers.workspace.models import Window
    from tenants.accounts.models import Role
    from tenants.accounts.services import staff_user_create

    suffix = uuid.uuid4().hex[:8]
    with django_db_blocker.unblock(), schema_context(committed_center.schema_name):
        clerk = staff_user_create(
            username=f"clerk-{suffix}", password=PASSWORD, role=Role.WINDOW_STAFF
        )
        window = Window.objects.create(
            number=random.randint(1000, 30000), name=f"综合窗口{suffix}", kind="combined"
        )
        window.staff.add(clerk)
        matter = make_matter(f"BR-{suffix}", name=f"浏览器测试事项{suffix}")
        tolerant = make_matter(
            f"BT-{suffix}",
            name=f"容缺测试事项{suffix}",
            materials=[
                {"name": "居民身份证", "originals": 1, "copies": 1, "required": True, "note": ""},
                {"name": "收入证明", "originals": 1, "copies": 0, "required": True, "note": "",
                 "tolerance": True},
            ],
        )  # fmt: skip
    yield {
        "center": committed_center,
        "clerk": clerk,
        "window": window,
        "matter": matter,
        "tolerant": tolerant,
    }
    with django_db_blocker.unblock(), schema_context(committed_center.schema_name):
        for document in CaseDocument.objects.filter(case__first_contact=clerk):
            document.file.delete(save=False)


def _focused_name(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.name")


def test_clerk_registers_a_case_with_the_keyboard(browser_desk, live_gunicorn):
    from playwright.sync_api import sync_playwright

    center, matter = browser_desk["center"], browser_desk["matter"]
    port = live_gunicorn.rsplit(":", 1)[1]
    base = f"http://{host(center)}:{port}"
    applicant = f"王{uuid.uuid4().hex[:4]}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(locale="zh-CN")
            page.goto(f"{base}/admin/login/?next=/admin/cases/new/")
            page.focus('input[name="username"]')
            page.keyboard.type(browser_desk["clerk"].username)
            page.keyboard.press("Tab")
            page.keyboard.type(PASSWORD)
            page.keyboard.press("Enter")
            page.wait_for_url(f"{base}/admin/cases/new/")

            # The matter field has the focus; choosing the matter lists its materials and
            # asks the calendar for the promised date.
            assert _focused_name(page) == "matter"
            with page.expect_request(
                re.compile(r"/api/v1/calendar/due-date/\?start=\d{4}-\d{2}-\d{2}&working_days=5$")
            ):
                page.keyboard.type(matter.code)
            assert page.locator("#materials-rows tr").count() == 3
            assert matter.name in page.text_content("#matter-name")
            # The promised date if accepted today, from the calendar API.
            promised = page.wait_for_selector("#promised-preview[data-due]").get_attribute(
                "data-due"
            )

            # Tab order: applicant kind (a person by default), name, ID, phone.
            page.keyboard.press("Tab")
            assert _focused_name(page) == "applicant_kind"
            page.keyboard.press("Tab")
            assert _focused_name(page) == "applicant_name"
            page.keyboard.type(applicant)
            page.keyboard.press("Tab")
            assert _focused_name(page) == "applicant_id_number"
            page.keyboard.type(PERSON_ID.lower())
            page.keyboard.press("Tab")
            assert _focused_name(page) == "applicant_phone"
            page.keyboard.type("13912345678")
            # Alt+B marks the outcome 补正 (the hint shows nothing missing yet), Alt+A back to
            # accept; then Enter sends the form.
            page.keyboard.press("Alt+b")
            assert page.is_checked('input[name="outcome"][value="supplement"]')
            page.keyboard.press("Alt+a")
            assert page.is_checked('input[name="outcome"][value="accept"]')
            page.keyboard.press("Enter")

            page.wait_for_url(re.compile(rf"^{re.escape(base)}/admin/cases/\d+/$"))
            receipt = page.text_content("[data-receipt-number]").strip()
            assert page.url.endswith(f"/admin/cases/{receipt}/")
            assert applicant in page.text_content("body")
        finally:
            browser.close()

    from centers.cases.models import Case

    with schema_context(center.schema_name):
        case = Case.objects.get(receipt_number=receipt)
        assert (case.applicant_name, case.applicant_id_number) == (applicant, PERSON_ID)
        assert (case.status, case.channel, case.matter_code) == ("accepted", "window", matter.code)
        assert case.first_contact_id == case.owner_id == browser_desk["clerk"].pk
        assert case.window_id == browser_desk["window"].pk
        assert case.materials.filter(state="received").count() == 2  # the photo is optional
        assert case.due_date.isoformat() == promised  # the date shown before acceptance


def test_a_tolerance_material_gets_its_date_at_the_window(browser_desk, live_gunicorn):
    """容缺受理 (issue 15): the row of a 容缺-eligible material offers the date the applicant
    brings it only while the material is marked missing; accepting with that date leaves the
    case accepted with the material pending."""
    from playwright.sync_api import sync_playwright

    center, matter = browser_desk["center"], browser_desk["tolerant"]
    port = live_gunicorn.rsplit(":", 1)[1]
    base = f"http://{host(center)}:{port}"
    applicant = f"赵{uuid.uuid4().hex[:4]}"
    due = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(locale="zh-CN")
            page.goto(f"{base}/admin/login/?next=/admin/cases/new/")
            page.fill('input[name="username"]', browser_desk["clerk"].username)
            page.fill('input[name="password"]', PASSWORD)
            page.press('input[name="password"]', "Enter")
            page.wait_for_url(f"{base}/admin/cases/new/")
            page.fill('input[name="matter"]', matter.code)
            page.dispatch_event('input[name="matter"]', "change")
            assert page.locator("#materials-rows tr").count() == 2
            # Only the eligible row has the date, hidden while the material is received.
            assert page.locator('input[name="mat-0-tolerance_due"]').count() == 0
            date = page.locator('input[name="mat-1-tolerance_due"]')
            assert not date.is_visible()
            page.select_option('select[name="mat-1-state"]', "missing")
            assert date.is_visible()
            date.fill(due)
            page.fill('input[name="applicant_name"]', applicant)
            page.fill('input[name="applicant_id_number"]', PERSON_ID)
            page.fill('input[name="applicant_phone"]', "13912345678")
            page.click("#intake-submit")
            page.wait_for_url(re.compile(rf"^{re.escape(base)}/admin/cases/\d+/$"))
            receipt = page.text_content("[data-receipt-number]").strip()
        finally:
            browser.close()

    from centers.cases.models import Case

    with schema_context(center.schema_name):
        case = Case.objects.get(receipt_number=receipt)
        assert case.status == "accepted"
        line = case.materials.get(name="收入证明")
        assert (line.state, line.tolerance_due.isoformat()) == ("tolerated", due)
