"""Every resident-facing page in a real browser (Debian's chromium through Playwright), in the
standard and the elder-friendly view, on a phone and a desktop screen, checked for what WCAG
2.1 AA asks of this product: the page's language, one main heading, a skip link that moves to
the content, a visible name for every form field and button, alt text on images, text
contrast of at least 4.5:1 (3:1 for large text), nothing wider than a phone's screen, and
the whole page reachable with the Tab key. Also the notices, the published results and the
elder-friendly switch as a resident uses them. Screenshots go to var/screenshots/a11y/."""

import datetime
import random
import uuid
from pathlib import Path

import pytest
from django_tenants.utils import schema_context

from tests.browser import (
    DESKTOP,
    MOBILE,
    browser_page,
    screenshot,
    server_port,
)
from tests.centers.cases.conftest import PERSON_ID, make_matter
from tests.conftest import PASSWORD, host

pytestmark = pytest.mark.django_db

SHOTS = "a11y"

# Runs in the page: the list of problems (empty when the page passes).
AUDIT_JS = (Path(__file__).parent / "a11y_audit.js").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def portal(committed_center, django_db_blocker):
    """A matter with a guide, a closed case, a published notice and opening hours in the
    committed center, unique to this run."""
    from centers.cases import services as cases
    from centers.workspace import services as workspace
    from centers.workspace.models import Window
    from portal.models import NoticeIndexPage, NoticePage
    from tenants.accounts.models import Role
    from tenants.accounts.services import staff_user_create
    from tenants.models import Center

    suffix = uuid.uuid4().hex[:8]
    center = committed_center
    with django_db_blocker.unblock(), schema_context(center.schema_name):
        clerk = staff_user_create(
            username=f"a11y-clerk-{suffix}", password=PASSWORD, role=Role.WINDOW_STAFF
        )
        window = Window.objects.create(
            number=random.randint(1000, 30000), name=f"综合窗口{suffix}", kind="combined"
        )
        matter = make_matter(f"AX-{suffix}", name=f"高龄津贴申领{suffix}", online=True)
        workspace.window_matters_set(actor=None, window=window, matters=[matter])
        workspace.opening_hours_set(
            actor=None,
            intervals=[(day, datetime.time(8, 30), datetime.time(17, 0)) for day in range(5)],
        )
        case = cases.case_intake(
            actor=clerk,
            intake=cases.Intake(
                matter=matter,
                applicant={"kind": "person", "name": "欧阳娜娜", "id_number": PERSON_ID,
                           "phone": "13912345678"},
                window=window,
                materials=[{"name": m["name"], "state": "received", "originals_received": 1}
                           for m in matter.materials],
            ),
        )  # fmt: skip
        closed = cases.case_close(actor=clerk, case=case, decision="approved", handover="window")
        index = NoticeIndexPage.objects.get()
        notice = NoticePage(
            title=f"关于冬季办公时间的公告{suffix}",
            category="notice",
            notice_date=datetime.date.today(),
            summary="冬季办公时间调整",
            body="<p>自12月1日起，下午办公时间调整为13:00至17:00。</p>",
        )
        index.add_child(instance=notice)
        notice.save_revision().publish()
    with django_db_blocker.unblock():
        city_host = host(Center.objects.get(schema_name="public"))
    yield {
        "center_host": host(center),
        "city_host": city_host,
        "matter": matter,
        "receipt": closed.receipt_number,
        "notice": notice,
    }
    with django_db_blocker.unblock(), schema_context(center.schema_name):
        for document in closed.documents.all():
            document.file.delete(save=False)


def _center_pages(portal) -> list[tuple[str, str]]:
    """(screenshot name, path) of every resident page of a center."""
    code = portal["matter"].code
    return [
        ("home", "/"),
        ("guides", "/guides/"),
        ("guide", f"/guides/{code}/"),
        ("apply", f"/guides/{code}/apply/"),
        ("search", "/search/?q=津贴"),
        ("progress", "/progress/"),
        ("results", "/results/"),
        ("notices", "/notices/"),
        ("notice", f"/notices/{portal['notice'].slug}/"),
        ("complaints", "/complaints/"),
        ("complaints-track", "/complaints/track/"),
        ("appointments", "/appointments/"),
        ("appointments-cancel", "/appointments/cancel/"),
        ("rate", f"/rate/{portal['receipt']}/"),
    ]


CITY_PAGES = [
    ("home", "/"),
    ("centers", "/centers/"),
    ("search", "/search/?q=津贴"),
    ("rankings", "/rankings/"),
    ("notices", "/notices/"),
]


@pytest.mark.parametrize("viewport", [MOBILE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("elder", [False, True], ids=["standard", "elder"])
def test_every_portal_page_meets_the_checks(portal, live_gunicorn, viewport, elder):
    port = server_port(live_gunicorn)
    targets = [
        (portal["center_host"], f"center-{name}", path) for name, path in _center_pages(portal)
    ]
    targets += [(portal["city_host"], f"city-{name}", path) for name, path in CITY_PAGES]
    failures = {}
    with browser_page(live_gunicorn, viewport) as page:
        if elder:
            for domain in {portal["center_host"], portal["city_host"]}:
                page.context.add_cookies(
                    [{"name": "elder_mode", "value": "1", "url": f"http://{domain}:{port}/"}]
                )
        for domain, name, path in targets:
            response = page.goto(f"http://{domain}:{port}{path}")
            assert response.status == 200, (domain, path, response.status)
            assert (page.evaluate("document.body.className") == "elder") is elder
            problems = page.evaluate(AUDIT_JS)
            if problems:
                failures[f"{domain}{path}"] = problems
            if viewport is MOBILE:
                screenshot(page, SHOTS, f"{'elder' if elder else 'standard'}-{name}")
    assert not failures, failures


def test_the_keyboard_reaches_the_content_and_every_control(portal, live_gunicorn):
    port = server_port(live_gunicorn)
    with browser_page(live_gunicorn, DESKTOP) as page:
        page.goto(f"http://{portal['center_host']}:{port}/results/")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip"
        page.keyboard.press("Enter")
        assert page.url.endswith("#main")
        # Tab walks every control of the page in order, and focus is always visible.
        controls = page.evaluate(
            "document.querySelectorAll('a[href], button, input:not([type=hidden]), select').length"
        )
        reached = set()
        for _ in range(controls):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement === document.body"):
                break  # past the last control: focus left the page
            info = page.evaluate(
                "(() => { const e = document.activeElement; const s = getComputedStyle(e);"
                " return [e.outerHTML.slice(0, 60), s.outlineStyle !== 'none' ||"
                " s.boxShadow !== 'none' || e.matches(':focus-visible')]; })()"
            )
            reached.add(info[0])
            assert info[1], f"no visible focus on {info[0]}"
        assert any("matter" in tag for tag in reached) and any("month" in tag for tag in reached)


def test_a_resident_reads_notices_and_results_in_the_elder_view(portal, live_gunicorn):
    port = server_port(live_gunicorn)
    base = f"http://{portal['center_host']}:{port}"
    with browser_page(live_gunicorn, MOBILE) as page:
        page.goto(f"{base}/")
        standard_size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
        page.get_by_role("button", name="长者模式").click()
        page.wait_for_load_state()
        assert page.evaluate("document.body.className") == "elder"
        elder_size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
        assert elder_size >= 22 and elder_size > standard_size
        screenshot(page, SHOTS, "flow_home_elder")

        # The newest notice on the home page, then the list, then the notice itself.
        page.get_by_role("link", name=portal["notice"].title).first.click()
        assert "下午办公时间调整为13:00至17:00" in page.text_content("main")
        page.get_by_role("link", name="公示公告").first.click()
        assert portal["notice"].title in page.text_content(".notice-list")
        screenshot(page, SHOTS, "flow_notices_elder")

        # The published results, remembered in the elder view, with the name masked.
        page.get_by_role("link", name="结果公开").first.click()
        assert page.evaluate("document.body.className") == "elder"
        row = page.locator(f'tr[data-receipt="{portal["receipt"]}"]')
        assert "欧***" in row.text_content() and "欧阳娜娜" not in page.content()
        screenshot(page, SHOTS, "flow_results_elder")

        page.get_by_role("button", name="标准模式").click()
        page.wait_for_load_state()
        assert page.evaluate("document.body.className") == ""
