"""The Content-Security-Policy in a real browser (Debian's chromium through Playwright) against
a real gunicorn: the portal, Wagtail's admin (dashboard, explorer, page editor, uploads,
workspace screens, the case desk) and the API docs load and run without a CSP violation."""

import uuid

import pytest
from django_tenants.utils import schema_context

from tests.browser import CHROMIUM, CHROMIUM_FLAGS
from tests.conftest import PASSWORD, host

pytestmark = pytest.mark.django_db

RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture(scope="module")
def csp_director(committed_center, django_db_blocker):
    from tenants.accounts.models import Role
    from tenants.accounts.services import staff_user_create

    with django_db_blocker.unblock(), schema_context(committed_center.schema_name):
        director = staff_user_create(
            username=f"csp-{uuid.uuid4().hex[:8]}", password=PASSWORD, role=Role.CENTER_DIRECTOR
        )
    return director


def test_portal_and_admin_run_without_csp_violations(committed_center, csp_director, live_gunicorn):
    from playwright.sync_api import sync_playwright
    from wagtail.models import Page

    with schema_context(committed_center.schema_name):
        home = Page.objects.get(depth=2)
    port = live_gunicorn.rsplit(":", 1)[1]
    base = f"http://{host(committed_center)}:{port}"
    violations = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(locale="zh-CN")
            page.add_init_script(RECORD_VIOLATIONS)

            def visit(path):
                response = page.goto(f"{base}{path}")
                assert response.status < 400, (path, response.status)
                page.wait_for_load_state("networkidle")
                violations.extend(f"{path}: {v}" for v in page.evaluate("window.__csp"))

            for path in ("/", "/guides/", "/search/", "/progress/", "/complaints/"):
                visit(path)
            visit("/admin/login/")
            page.fill('input[name="username"]', csp_director.username)
            page.fill('input[name="password"]', PASSWORD)
            page.click('button[type="submit"]')
            page.wait_for_url(f"{base}/admin/")
            for path in (
                "/admin/",
                f"/admin/pages/{home.pk}/",
                f"/admin/pages/{home.pk}/edit/",
                f"/admin/pages/{home.pk}/add_subpage/",
                "/admin/images/multiple/add/",
                "/admin/documents/multiple/add/",
                "/admin/workspace_windows/",
                "/admin/workspace_windows/new/",
                "/admin/workspace_hours/",
                "/admin/workspace_profile/",
                "/admin/feedback/",
                "/admin/ledger/",
                "/admin/reports/site-history/",
                "/admin/cases/",
                "/admin/cases/new/",
                "/api/docs/",
            ):
                visit(path)
        finally:
            browser.close()
    assert not violations, "\n".join(violations)
