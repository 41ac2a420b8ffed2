"""The residents' portal in a real browser (Debian's chromium through Playwright) against a real
gunicorn: the directory to a center's guide, the search, an online application accepted at the
desk and seen in the progress lookup, a complaint and its reply, a rating, an appointment and
the English switch. Every test saves full-page screenshots of the main pages it visits to
var/screenshots/portal/.

One center is committed for real for the whole module (another process serves it), so what is
made here has unique names; the center's schema goes after this module (committed_center), and
the files the server stored are removed here."""

import datetime
import random
import re
import uuid

import pytest
from django_tenants.utils import schema_context

from tests.browser import (
    MOBILE,
    browser_page,
    pdf_bytes,
    png_bytes,
    screenshot,
    server_port,
)
from tests.centers.cases.conftest import PERSON_ID, make_matter
from tests.conftest import PASSWORD, host

# The mark sets up the test database; the module's data is committed by the fixture below.
pytestmark = pytest.mark.django_db

SHOTS = "portal"
ELEMENTS = {
    "handling_body": "{place}人力资源和社会保障所",
    "legal_basis": "《中华人民共和国社会保险法》第二十三条",
    "conditions": "本市户籍、未参加职工医疗保险的城乡居民",
    "procedure": "申请、受理、审核、办结",
    "time_limit_text": "承诺5个工作日内办结",
    "result": "参保登记凭证",
    "fee_basis": "不收费",
    "fee_standard": "无",
    "supervision": "监督电话 024-12345",
}


def _phone() -> str:
    return f"139{random.randint(10_000_000, 99_999_999)}"


@pytest.fixture(scope="module")
def site(committed_center, django_db_blocker):
    """A clerk at a window that handles an online matter (nine elements, three materials,
    published into the search index), the center's week of opening hours, and a case accepted
    at the window for the rating; committed before any test's transaction starts."""
    from catalog_cms.search_index.services import center_matters_publish
    from centers.cases import services as cases
    from centers.cases.models import Case
    from centers.workspace import services as workspace
    from centers.workspace.models import Window
    from tenants.accounts.models import Role
    from tenants.accounts.services import staff_user_create
    from tenants.models import Center

    suffix = uuid.uuid4().hex[:8]
    center = committed_center
    with django_db_blocker.unblock(), schema_context(center.schema_name):
        clerk = staff_user_create(
            username=f"portal-clerk-{suffix}", password=PASSWORD, role=Role.WINDOW_STAFF
        )
        window = Window.objects.create(
            number=random.randint(1000, 30000), name=f"社保窗口{suffix}", kind="combined"
        )
        window.staff.add(clerk)
        elements = {k: v.format(place=center.name) for k, v in ELEMENTS.items()}
        matter = make_matter(
            f"PB-{suffix}",
            name=f"城乡居民基本医疗保险参保登记{suffix}",
            online=True,
            **elements,
        )
        workspace.window_matters_set(actor=None, window=window, matters=[matter])
        workspace.opening_hours_set(
            actor=None,
            intervals=[(day, datetime.time(8, 30), datetime.time(17, 30)) for day in range(7)],
        )
        center_matters_publish(center)
        phone = _phone()
        accepted = cases.case_intake(
            actor=clerk,
            intake=cases.Intake(
                matter=matter,
                applicant={"kind": "person", "name": f"李{suffix[:3]}", "id_number": PERSON_ID,
                           "phone": phone},
                window=window,
                owner=clerk,
                materials=[{"name": m["name"], "state": "received", "originals_received": 1}
                           for m in matter.materials],
            ),
        )  # fmt: skip
    with django_db_blocker.unblock():
        center_host = host(center)
        city_host = host(Center.objects.get(schema_name="public"))
    yield {
        "center": center,
        "center_host": center_host,
        "city_host": city_host,
        "suffix": suffix,
        "clerk": clerk,
        "window": window,
        "matter": matter,
        "accepted": accepted,
        "accepted_phone": phone,
    }
    with django_db_blocker.unblock(), schema_context(center.schema_name):
        for case in Case.objects.all():
            for stored in [*case.files.all(), *case.documents.all()]:
                stored.file.delete(save=False)


# Playwright's sync API runs an event loop in the test's thread, where Django refuses database
# queries: everything a test needs from the database is read before the browser starts or
# checked after it closes.


def base_url(site, live_gunicorn) -> str:
    return f"http://{site['center_host']}:{server_port(live_gunicorn)}"


def city_url(site, live_gunicorn) -> str:
    return f"http://{site['city_host']}:{server_port(live_gunicorn)}"


def main(page):
    return page.locator("main")


def login(page, base: str, username: str, target: str) -> None:
    page.goto(f"{base}/admin/login/?next={target}")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', PASSWORD)
    page.locator('input[name="password"]').press("Enter")
    page.wait_for_url(f"{base}{target}")


def progress_lookup(page, base: str, receipt: str, phone: str) -> None:
    page.goto(f"{base}/progress/?receipt={receipt}")
    assert page.get_by_label("受理编号").input_value() == receipt
    page.get_by_label("申请人手机号后四位").fill(phone[-4:])
    main(page).get_by_role("button", name="查询").click()
    page.wait_for_selector("#progress-result")


# --- a. directory → center → guide ------------------------------------------------------------


def test_directory_to_a_centers_guide(site, live_gunicorn):
    center, matter = site["center"], site["matter"]
    with browser_page(live_gunicorn) as page:
        page.goto(f"{city_url(site, live_gunicorn)}/centers/")
        card = page.locator(f"#center-{center.slug}")
        card.get_by_role("heading", name=center.display_name).wait_for()
        screenshot(page, SHOTS, "a1-city-directory")
        card.get_by_role("link", name=f"进入{center.display_name}门户").click()

        page.wait_for_url(re.compile(rf"^http://{re.escape(site['center_host'])}:\d+/$"))
        assert center.display_name in page.locator("header").inner_text()
        screenshot(page, SHOTS, "a2-center-home")

        page.set_viewport_size(MOBILE)
        main(page).get_by_role("link", name="办事指南").click()
        page.wait_for_url(re.compile(r"/guides/$"))
        screenshot(page, SHOTS, "a3-guides-index-mobile")
        main(page).get_by_role("link", name=matter.name).first.click()

        page.wait_for_url(re.compile(rf"/guides/{matter.code}/$"))
        assert page.get_by_role("heading", level=1).inner_text() == matter.name
        elements = page.locator("#guide-elements")
        assert elements.locator("dt").count() == 9
        shown = elements.locator("dd").all_inner_texts()
        for name, value in ELEMENTS.items():
            assert value.format(place=center.name) in shown, name
        rows = page.locator("#guide-materials tbody tr")
        assert [r.split("\t")[0] for r in rows.all_inner_texts()] == [
            "居民身份证",
            "申请表",
            "照片",
        ]
        assert site["window"].name in page.locator("#guide-windows").inner_text()
        assert page.locator("#guide-apply").is_visible()
        # Fits the phone: nothing wider than the screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"]
        screenshot(page, SHOTS, "a4-guide-mobile")


# --- b. search ----------------------------------------------------------------------------------


def test_search_with_everyday_words_on_the_center_and_the_city(site, live_gunicorn):
    center, matter = site["center"], site["matter"]
    base = base_url(site, live_gunicorn)
    with browser_page(live_gunicorn) as page:
        page.goto(f"{base}/search/")
        page.get_by_role("searchbox").fill("医保")
        page.get_by_role("searchbox").press("Enter")
        page.wait_for_url(re.compile(r"/search/\?q=%E5%8C%BB%E4%BF%9D$"))
        results = page.locator("#search-results")
        results.get_by_role("link", name=matter.name).wait_for()
        screenshot(page, SHOTS, "b1-center-search")
        # Two characters that are not the synonym, and several words held apart.
        for q in ("参保", "医疗 登记"):
            page.goto(f"{base}/search/?q={q}")
            assert page.locator("#search-results").get_by_role("link", name=matter.name).count()
        page.goto(f"{base}/search/?q=火星登月")
        assert page.locator("#search-results li").count() == 0

        page.goto(f"{city_url(site, live_gunicorn)}/search/?q=医保")
        hit = page.locator("#search-results li").filter(
            has=page.get_by_role("heading", name=matter.name)
        )
        link = hit.get_by_role("link", name=center.display_name)
        assert link.count() == 1
        screenshot(page, SHOTS, "b2-city-search")
        link.click()
        page.wait_for_url(re.compile(rf"^http://{re.escape(site['center_host'])}:\d+/guides/"))
        assert page.get_by_role("heading", level=1).inner_text() == matter.name


# --- c. online application, accepted at the desk, seen in the progress lookup --------------------


def test_online_application_accepted_at_the_desk_and_seen_in_progress(site, live_gunicorn):
    from centers.cases.models import Case

    center, matter = site["center"], site["matter"]
    base = base_url(site, live_gunicorn)
    applicant, phone = f"赵{uuid.uuid4().hex[:4]}", _phone()
    with browser_page(live_gunicorn) as page:
        page.goto(f"{base}/guides/{matter.code}/")
        page.locator("#guide-apply").click()
        page.wait_for_url(f"{base}/guides/{matter.code}/apply/")
        page.get_by_label(re.compile("^个人")).check()
        page.locator("#id_applicant_name").fill(applicant)
        page.locator("#id_applicant_id_number").fill(PERSON_ID)
        page.locator("#id_applicant_phone").fill(phone)
        page.get_by_label(re.compile(r"^居民身份证 \(")).set_input_files(
            {"name": "id-card.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes("ID")}
        )
        page.get_by_label(re.compile(r"^申请表 \(")).set_input_files(
            {"name": "form.png", "mimeType": "image/png", "buffer": png_bytes()}
        )
        screenshot(page, SHOTS, "c1-apply-form")
        main(page).get_by_role("button", name="提交申请").click()
        receipt = page.locator("#apply-receipt").inner_text().strip()
        assert re.fullmatch(r"\d{25}", receipt), receipt  # division code + date + sequence
        assert page.locator("#apply-applicant").inner_text() == applicant
        screenshot(page, SHOTS, "c2-apply-receipt")

        login(page, base, site["clerk"].username, f"/admin/cases/{receipt}/")
        section = page.locator(f'section[data-receipt="{receipt}"]')
        assert section.get_attribute("data-status") == "received"
        scans = page.locator("[data-scan]").all_inner_texts()
        assert sorted(scans) == ["form.png", "id-card.pdf"]
        screenshot(page, SHOTS, "c3-desk-received")
        page.locator("#action-accept summary").click()
        page.locator("#action-accept").get_by_role("button").click()
        page.wait_for_selector(f'section[data-receipt="{receipt}"][data-status="accepted"]')
        screenshot(page, SHOTS, "c4-desk-accepted")

        page.context.clear_cookies()  # the resident, not the clerk
        progress_lookup(page, base, receipt, phone)
        result = page.locator("#progress-result")
        assert receipt in result.inner_text()
        assert result.locator(".state").inner_text() == "办理中"
        assert page.locator("#progress-rate-accepted").is_visible()
        screenshot(page, SHOTS, "c5-progress-accepted")

    with schema_context(center.schema_name):
        case = Case.objects.get(receipt_number=receipt)
        assert (case.status, case.channel, case.applicant_name) == ("accepted", "online", applicant)
        assert case.owner_id == site["clerk"].pk
        assert sorted(f.content_type for f in case.files.all()) == ["application/pdf", "image/png"]
        assert case.materials.filter(state="received").count() == 2


# --- d. a complaint and its reply ----------------------------------------------------------------


def test_anonymous_complaint_with_a_script_is_replied_and_read_as_text(site, live_gunicorn):
    from centers.feedback.models import Feedback

    center = site["center"]
    base = base_url(site, live_gunicorn)
    marker = uuid.uuid4().hex[:8]
    text = f'窗口人员态度不好<script>alert("{marker}")</script>'
    reply = f"已核实并批评教育当事人员{marker}"
    dialogs = []
    with browser_page(live_gunicorn) as page:
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(f"{base}/complaints/")
        page.get_by_label("投诉", exact=True).check()
        page.get_by_label("投诉、建议或咨询内容").fill(text)
        screenshot(page, SHOTS, "d1-complaint-form")
        main(page).get_by_role("button", name="提交").click()
        number = page.locator("#feedback-tracking").inner_text().strip()
        code = page.locator("#feedback-access-code").inner_text().strip()
        assert number and code
        screenshot(page, SHOTS, "d2-complaint-tracking")

        login(page, base, site["clerk"].username, "/admin/feedback/")
        page.locator("#feedback-list").get_by_role("link", name=number).click()
        assert page.locator("#feedback-text").inner_text() == text
        page.locator("#id_reply").fill(reply)
        page.locator("#id_reply").locator("xpath=ancestor::form").get_by_role("button").click()
        page.locator("#feedback-reply").wait_for()
        screenshot(page, SHOTS, "d3-staff-reply")

        page.context.clear_cookies()
        page.goto(f"{base}/complaints/track/?number={number}")
        page.get_by_label("电话号码后四位或查询码").fill(code)
        main(page).get_by_role("button", name="查询").click()
        page.locator("#feedback-result").wait_for()
        assert page.locator("#feedback-reply").inner_text() == reply
        # The script is text: shown as typed, never an element, never run.
        assert page.locator("#feedback-text").inner_text() == text
        assert page.locator("#feedback-text script").count() == 0
        screenshot(page, SHOTS, "d4-complaint-reply")
    assert dialogs == []
    with schema_context(center.schema_name):
        feedback = Feedback.objects.get(tracking_number=number)
    assert (feedback.kind, feedback.text, feedback.reply_text) == ("complaint", text, reply)
    assert not feedback.phone and not feedback.name


# --- e. a rating ---------------------------------------------------------------------------------


def test_rating_dissatisfied_needs_reasons(site, live_gunicorn):
    from centers.ratings.models import Rating

    center, case = site["center"], site["accepted"]
    base = base_url(site, live_gunicorn)
    reasons = f"等候时间太长{uuid.uuid4().hex[:6]}"
    with browser_page(live_gunicorn) as page:
        progress_lookup(page, base, case.receipt_number, site["accepted_phone"])
        screenshot(page, SHOTS, "e1-progress")
        page.locator("#progress-rate-accepted").click()
        page.wait_for_url(re.compile(rf"/rate/{case.receipt_number}/\?point=accepted(&|$)"))
        page.get_by_label("申请人手机号后四位").fill(site["accepted_phone"][-4:])
        main(page).get_by_role("button", name="继续").click()

        form = page.locator("#rate-form")
        form.wait_for()
        assert form.get_by_label("受理后", exact=True).is_checked()
        level = form.get_by_role("group", name="您的总体满意度如何？").get_by_label(
            "不满意", exact=True
        )
        level.check()
        screenshot(page, SHOTS, "e2-rate-form")
        form.get_by_role("button", name="提交评价").click()
        # The reasons are required for 不满意: the error sits on the reasons field.
        page.locator('#rate-form textarea[name="reasons"] ~ ul.errorlist').wait_for()
        assert page.locator("#rate-thanks").count() == 0
        assert page.locator("#rating-accepted").count() == 0
        screenshot(page, SHOTS, "e3-rate-reasons-required")

        form = page.locator("#rate-form")
        form.get_by_role("group", name="您的总体满意度如何？").get_by_label(
            "不满意", exact=True
        ).check()
        form.get_by_label(re.compile("^原因")).fill(reasons)
        form.get_by_role("button", name="提交评价").click()
        page.locator("#rate-thanks").wait_for()
        given = page.locator("#rating-accepted")
        assert "不满意" in given.inner_text() and reasons in given.inner_text()
        screenshot(page, SHOTS, "e4-rated")

    with schema_context(center.schema_name):
        rating = Rating.objects.get(case_id=case.pk)
        assert (rating.point, rating.level, rating.reasons) == ("accepted", 4, reasons)
        assert rating.channel == "portal"


# --- f. an appointment ---------------------------------------------------------------------------


def test_appointment_booked_and_cancelled(site, live_gunicorn):
    from centers.appointments.models import Appointment

    center, matter = site["center"], site["matter"]
    base = base_url(site, live_gunicorn)
    name, phone = f"钱{uuid.uuid4().hex[:4]}", _phone()
    with browser_page(live_gunicorn) as page:
        page.goto(f"{base}/appointments/")
        page.locator("#id_matter").select_option(matter.code)
        main(page).locator("form[method=get]").get_by_role("button").click()
        page.locator("#appointments-book").wait_for()
        first = page.locator("#slot-first")
        slot = first.get_attribute("value")
        first.check()
        page.locator("#id_name").fill(name)
        page.locator("#id_phone").fill(phone)
        page.locator("#id_resident_id").fill(PERSON_ID)
        screenshot(page, SHOTS, "f1-appointment-form")
        page.locator("#appointments-book").get_by_role("button").click()
        number = page.locator("#appointment-number").inner_text().strip()
        assert number
        screenshot(page, SHOTS, "f2-appointment-booked")

        day, window_id, start = slot.split("|")
        assert int(window_id) == site["window"].pk
        # In the center's open hours.
        assert datetime.time(8, 30) <= datetime.time.fromisoformat(start) < datetime.time(17, 30)

        main(page).locator(f'a[href$="/appointments/cancel/?number={number}"]').click()
        assert page.locator("#id_number").input_value() == number
        page.locator("#id_phone_last4").fill(phone[-4:])
        main(page).locator("form").get_by_role("button").click()
        assert number in page.locator("#appointment-cancelled").inner_text()
        screenshot(page, SHOTS, "f3-appointment-cancelled")

    with schema_context(center.schema_name):
        booked = Appointment.objects.get(number=number)
    assert (booked.date.isoformat(), booked.window_id, f"{booked.start:%H:%M}") == (
        day,
        site["window"].pk,
        start,
    )
    assert (booked.matter_id, booked.name, booked.state) == (matter.pk, name, "cancelled")


# --- g. the English switch -----------------------------------------------------------------------


def test_english_switch_on_the_home_and_a_guide(site, live_gunicorn):
    matter = site["matter"]
    base = base_url(site, live_gunicorn)
    with browser_page(live_gunicorn) as page:
        page.goto(f"{base}/")
        assert page.locator("html").get_attribute("lang") == "zh-hans"
        assert main(page).get_by_role("link", name="办事指南").count() == 1
        page.get_by_role("button", name="English").click()
        page.wait_for_function("document.documentElement.lang === 'en'")
        assert page.url == f"{base}/"
        for text in ("Service guides", "Case progress", "Complaints and questions"):
            assert main(page).get_by_role("link", name=text).count() == 1, text
        assert "办事指南" not in page.locator("body").inner_text()
        screenshot(page, SHOTS, "g1-home-english")

        page.set_viewport_size(MOBILE)
        page.goto(f"{base}/guides/{matter.code}/")
        assert page.locator("html").get_attribute("lang") == "en"
        for text in ("The nine elements", "Materials"):
            assert page.get_by_role("heading", name=text, exact=True).count() == 1, text
        assert page.get_by_role("link", name="Apply online").count() == 1
        screenshot(page, SHOTS, "g2-guide-english-mobile")

        page.get_by_role("button", name="中文").click()
        page.wait_for_function("document.documentElement.lang === 'zh-hans'")
        assert page.url == f"{base}/guides/{matter.code}/"
        assert page.get_by_role("heading", name="九项公开内容").count() == 1
        assert page.get_by_role("link", name="网上申报").count() == 1
        screenshot(page, SHOTS, "g3-guide-chinese-mobile")
