"""Service guides on a center's domain: the index by category and life event, one guide per
matter with the nine elements, materials, limits, fees, windows and 代办 level; 404s; the
per-tenant cache and its invalidation on every catalog or window change; isolation."""

import pytest
from django_tenants.utils import schema_context

from tests.centers.cases.conftest import make_matter

pytestmark = pytest.mark.django_db

ELEMENTS = {
    "handling_body": "清水台镇人民政府",
    "legal_basis": "《社会救助暂行办法》第九条",
    "conditions": "户籍在本镇的困难家庭",
    "procedure": "申请、审核、公示、审批",
    "time_limit_text": "法定20个工作日，承诺5个工作日",
    "result": "低保证",
    "fee_basis": "无",
    "fee_standard": "不收费",
    "supervision": "监督电话 024-12345678",
}


@pytest.fixture
def catalog(desk):
    """The desk's matters plus a full guide (online, with questions and life events), a 代办
    matter decided by the district and a window serving the first one."""
    from centers.workspace.services import window_matters_set

    with schema_context(desk.center.schema_name):
        full = make_matter(
            "QST-MZ-001",
            name="最低生活保障申请",
            online=True,
            life_events=["生活困难", "失业"],
            questions=[{"question": "多久能办好？", "answer": "承诺5个工作日。"}],
            window_text="大厅咨询台",
            **ELEMENTS,
        )
        district = make_matter(
            "QST-JY-002", name="就业困难人员认定", authority_level="district", online=False
        )
        window_matters_set(actor=desk.director, window=desk.window, matters=[full])
    return {"full": full, "district": district}


def test_index_groups_by_category_and_life_event(desk, catalog, client_for):
    response = client_for(desk.center).get("/guides/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="/guides/QST-MZ-001/"' in html
    assert 'href="/guides/TS-001/"' in html
    assert "社会保障" in html  # category
    by_event = html.split('id="by-life-event"')[1]
    assert "生活困难" in by_event and "失业" in by_event
    assert by_event.count('href="/guides/QST-MZ-001/"') == 2  # under both events
    assert "TS-001" not in by_event  # no life event
    assert "网上可办" in html
    assert html.count("网上可办") == 3  # the online matter, listed three times


def test_guide_shows_every_element_and_fact(desk, catalog, client_for):
    response = client_for(desk.center).get("/guides/QST-MZ-001/")
    assert response.status_code == 200
    html = response.content.decode()
    for label in ("办理主体", "办理依据", "办理条件", "办理程序", "办理时限", "办理结果"):
        assert label in html
    for label in ("收费依据", "收费标准", "监督渠道"):
        assert label in html
    for value in ELEMENTS.values():
        assert value in html
    materials = html.split('id="guide-materials"')[1].split("</table>")[0]
    assert "居民身份证" in materials and "申请表" in materials and "照片" in materials
    assert "必需" in materials and "可选" in materials
    assert "承诺" in html  # processing mode
    assert "20" in html and "5" in html
    windows = html.split('id="guide-windows"')[1].split("</dd>")[0]
    assert "综合窗口" in windows and "大厅咨询台" not in windows  # the window serving it wins
    assert "多久能办好？" in html and "承诺5个工作日。" in html
    assert 'href="/guides/QST-MZ-001/apply/"' in html
    assert 'id="guide-decided-by"' not in html


def test_guide_of_agency_and_report_matters_names_the_deciding_level(desk, catalog, client_for):
    client = client_for(desk.center)
    html = client.get("/guides/QST-JY-002/").content.decode()
    assert 'id="guide-decided-by"' in html and "区县" in html.split('id="guide-decided-by"')[1]
    assert "/apply/" not in html  # not online
    report = client.get("/guides/TS-004/").content.decode()
    assert 'id="guide-decided-by"' in report
    windows = report.split('id="guide-windows"')[1].split("</dd>")[0]
    assert "综合窗口" not in windows


def test_guide_window_text_when_no_window_serves_it(desk, client_for):
    from centers.catalog.services import local_matter_set_local_fields

    with schema_context(desk.center.schema_name):
        local_matter_set_local_fields(
            local_matter=desk.paid, actor=desk.director, window_text="3号窗口"
        )
    html = client_for(desk.center).get("/guides/TS-005/").content.decode()
    assert "3号窗口" in html.split('id="guide-windows"')[1].split("</dd>")[0]
    assert "10.00" in html and "工本费每件10元" in html


def test_unknown_code_is_404(desk, client_for):
    client = client_for(desk.center)
    assert client.get("/guides/NO-SUCH-1/").status_code == 404
    assert client.get("/guides/NO-SUCH-1/apply/").status_code == 404


def test_index_and_guides_escape_catalog_text(desk, client_for):
    with schema_context(desk.center.schema_name):
        make_matter("XSS-1", name="<script>alert(1)</script>", conditions="<b>条件</b>")
    client = client_for(desk.center)
    for path in ("/guides/", "/guides/XSS-1/"):
        html = client.get(path).content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_pages_are_cached_per_tenant_and_cleared_on_a_catalog_change(desk, catalog, client_for):
    from centers.catalog.models import LocalMatter
    from centers.catalog.services import local_matter_set_local_fields

    client = client_for(desk.center)
    assert client.get("/guides/TS-001/").status_code == 200
    assert client.get("/guides/").status_code == 200
    with schema_context(desk.center.schema_name):
        # A write behind the services' back is not seen: the page comes from the cache.
        LocalMatter.objects.filter(code="TS-001").update(name="改过的名字")
    assert "改过的名字" not in client.get("/guides/TS-001/").content.decode()
    assert "改过的名字" not in client.get("/guides/").content.decode()
    with schema_context(desk.center.schema_name):
        matter = LocalMatter.objects.get(code="TS-001")
        local_matter_set_local_fields(local_matter=matter, actor=desk.director, window_text="")
    # The service moved the catalog's version: the change shows at once on both pages.
    assert "改过的名字" in client.get("/guides/TS-001/").content.decode()
    assert "改过的名字" in client.get("/guides/").content.decode()


def test_cached_guide_needs_no_catalog_query(desk, catalog, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(desk.center)
    client.get("/guides/QST-MZ-001/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/guides/QST-MZ-001/").status_code == 200
    assert not [q for q in queries.captured_queries if "catalog_localmatter" in q["sql"]]


def test_new_matter_and_window_changes_show_at_once(desk, catalog, client_for):
    from centers.catalog.services import local_matter_create
    from centers.workspace.services import window_delete, window_matters_set, window_save

    client = client_for(desk.center)
    assert client.get("/guides/NEW-1/").status_code == 404
    client.get("/guides/")
    with schema_context(desk.center.schema_name):
        local_matter_create(
            actor=desk.director,
            code="NEW-1",
            name="新设事项",
            category_name="民政",
            authority_level="township",
            mode="immediate",
        )
    assert client.get("/guides/NEW-1/").status_code == 200
    assert "新设事项" in client.get("/guides/").content.decode()

    def windows(code):
        html = client.get(f"/guides/{code}/").content.decode()
        return html.split('id="guide-windows"')[1].split("</dd>")[0]

    assert "综合窗口" in windows("QST-MZ-001")
    with schema_context(desk.center.schema_name):
        window_matters_set(actor=desk.director, window=desk.window, matters=[])
    assert "综合窗口" not in windows("QST-MZ-001")
    assert "大厅咨询台" in windows("QST-MZ-001")
    with schema_context(desk.center.schema_name):
        other = window_save(
            actor=desk.director,
            number=7,
            name="民政窗口",
            kind="combined",
            matters=[catalog["full"]],
        )
    assert "民政窗口" in windows("QST-MZ-001")
    with schema_context(desk.center.schema_name):
        window_delete(actor=desk.director, window=other)
    assert "民政窗口" not in windows("QST-MZ-001")


def test_catalog_version_moves_and_is_per_schema(desk, other_township):
    from centers.catalog.cache import catalog_changed, catalog_version

    with schema_context(desk.center.schema_name):
        first = catalog_version()
        assert catalog_version() == first
    with schema_context(other_township.schema_name):
        theirs = catalog_version()
    with schema_context(desk.center.schema_name):
        catalog_changed()
        assert catalog_version() != first
    with schema_context(other_township.schema_name):
        assert catalog_version() == theirs


def test_other_center_sees_only_its_own_catalog(desk, catalog, other_township, client_for):
    with schema_context(other_township.schema_name):
        make_matter("HST-001", name="虎石台本地事项")
    theirs = client_for(other_township)
    # This center's local-only matters do not exist on the other center's domain.
    assert theirs.get("/guides/QST-MZ-001/").status_code == 404
    assert theirs.get("/guides/QST-MZ-001/apply/").status_code == 404
    html = theirs.get("/guides/").content.decode()
    assert "虎石台本地事项" in html
    assert "最低生活保障申请" not in html and "QST-MZ-001" not in html
    ours = client_for(desk.center).get("/guides/").content.decode()
    assert "虎石台本地事项" not in ours and "最低生活保障申请" in ours
    # Same cache key shape on both domains, different entries (the schema is in the key).
    assert theirs.get("/guides/HST-001/").status_code == 200
    assert client_for(desk.center).get("/guides/HST-001/").status_code == 404


def test_city_domain_has_no_guides(city, client_for):
    assert client_for(city).get("/guides/").status_code == 404


def test_a_question_the_director_publishes_shows_on_its_guide(desk, catalog, client_for):
    from centers.feedback import services as feedback

    client = client_for(desk.center)
    assert "能否代办？" not in client.get("/guides/QST-MZ-001/").content.decode()
    with schema_context(desk.center.schema_name):
        asked = feedback.feedback_submit(
            kind="question", text="能否代办？", matter_code="QST-MZ-001"
        ).feedback
        feedback.feedback_reply(actor=desk.clerk, feedback=asked, text="可以由村代办员代办。")
        feedback.question_publish_as_faq(actor=desk.director, feedback=asked)
    html = client.get("/guides/QST-MZ-001/").content.decode()
    assert "能否代办？" in html and "可以由村代办员代办。" in html


def test_a_cached_guide_page_is_served_whole_and_follows_mode_language_and_brand(
    desk, catalog, client_for
):
    """The whole page is kept per language, display mode and brand; each switch gets its own
    page and a brand change shows at once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from catalog_cms.standards.models import Brand
    from portal.preferences import ELDER_COOKIE

    client = client_for(desk.center)
    first = client.get("/guides/QST-MZ-001/")
    assert "csrfmiddlewaretoken" not in first.content.decode()
    assert "Set-Cookie" not in first.headers
    with CaptureQueriesContext(connection) as queries:
        again = client.get("/guides/QST-MZ-001/")
    assert again.content == first.content
    assert not queries.captured_queries

    client.cookies[ELDER_COOKIE] = "1"
    assert 'class="elder"' in client.get("/guides/QST-MZ-001/").content.decode()
    del client.cookies[ELDER_COOKIE]
    assert 'class="elder"' not in client.get("/guides/QST-MZ-001/").content.decode()

    english = client.get("/guides/QST-MZ-001/", headers={"accept-language": "en"})
    assert english.content.decode().startswith('<!doctype html>\n<html lang="en"')

    brand = Brand.load()
    brand.hotline = "024-22222222"
    brand.save()
    assert "024-22222222" in client.get("/guides/QST-MZ-001/").content.decode()


def test_a_query_string_is_never_kept_in_the_cached_page(desk, catalog, client_for):
    client = client_for(desk.center)
    client.get("/guides/QST-MZ-001/?from=<b>x</b>")
    assert "from=" not in client.get("/guides/QST-MZ-001/").content.decode()


def test_brand_css_carries_the_colours_and_is_kept_a_year_under_its_signature(desk, client_for):
    from catalog_cms.standards.selectors import brand_signature, city_brand

    client = client_for(desk.center)
    brand = city_brand()
    current = client.get(f"/brand.css?v={brand_signature(brand)}")
    assert current.status_code == 200
    assert current["Content-Type"].startswith("text/css")
    assert brand.primary_color in current.content.decode()
    assert "max-age=31536000" in current["Cache-Control"]
    stale = client.get("/brand.css?v=old")
    assert "max-age=60" in stale["Cache-Control"]


def test_preference_switches_work_without_a_token(desk, client_for):
    from django.test import Client

    from tests.conftest import host

    strict = Client(enforce_csrf_checks=True, HTTP_HOST=host(desk.center))
    response = strict.post("/elder-mode/", {"mode": "on", "next": "/guides/"})
    assert response.status_code == 302 and response["Location"] == "/guides/"
    assert strict.cookies["elder_mode"].value == "1"
    response = strict.post("/i18n/setlang/", {"language": "en", "next": "/guides/"})
    assert response.status_code == 302
    assert strict.cookies["django_language"].value == "en"
