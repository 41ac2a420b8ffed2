"""The score form in a real browser (Debian's chromium through Playwright) against a real
gunicorn: an evaluator opens their assignment, scores the center with an evidence photo,
saves a draft and submits.

A township under the committed district is committed for real (another process serves it),
with a rubric, a round and an evaluator unique to this run; all of it, and the photo files
the server stored, go after the module."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from tests.browser import browser_page, png_bytes, screenshot
from tests.conftest import PASSWORD, host
from tests.history_rows import history_rows_delete

from .conftest import RUBRIC_CSV

pytestmark = pytest.mark.django_db

SHOTS = "scoring"


@pytest.fixture(scope="module")
def scoring_site(committed_center, django_db_blocker):
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection

    from evaluation.scoring import services
    from evaluation.scoring.models import EvidencePhoto, Round, Rubric, ScoringEvent
    from tenants.accounts.models import Role, User
    from tenants.accounts.services import staff_user_create
    from tenants.models import Center, CenterAuditEvent
    from tenants.schemas import drop_schema, spare_schemas_fill
    from tenants.services import center_create

    suffix = uuid.uuid4().hex[:6]
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        township = center_create(
            kind="township", division_code=f"210114{100 + int(suffix, 16) % 90}000",
            name=f"测试镇{suffix}", slug=f"br{suffix}", parent_slug=committed_center.slug,
            admin_password=PASSWORD,
        ).center  # fmt: skip
        with schema_context("public"):
            admin = staff_user_create(
                username=f"admin-{suffix}", password=PASSWORD, role=Role.CITY_ADMIN
            )
            evaluator = staff_user_create(
                username=f"eval-{suffix}", password=PASSWORD, role=Role.EVALUATOR,
                district_id=committed_center.pk,
            )  # fmt: skip
            rubric = services.rubric_publish(
                actor=admin,
                rubric=services.rubric_import(
                    actor=admin, name=f"浏览器细则{suffix}", content=RUBRIC_CSV.encode(),
                    bonus_cap="4",
                ),
            )  # fmt: skip
            round_ = services.round_create(
                actor=admin, name=f"浏览器轮次{suffix}", period_start=datetime.date(2026, 7, 1),
                period_end=datetime.date(2026, 9, 30), rubric=rubric,
            )  # fmt: skip
            services.assignment_set(
                actor=admin, round=round_, center=township, evaluator=evaluator.username
            )
            services.round_open_scoring(actor=admin, round=round_)
            card = round_.scorecards.get()
    yield {"township": township, "evaluator": evaluator, "card": card}
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        for photo in EvidencePhoto.objects.filter(item_score__scorecard__round=round_):
            photo.image.delete(save=False)
            photo.thumbnail.delete(save=False)
        history_rows_delete(ScoringEvent.objects.filter(round=round_))
        Round.objects.filter(pk=round_.pk).delete()
        history_rows_delete(ScoringEvent.objects.filter(rubric=rubric))
        Rubric.objects.filter(pk=rubric.pk).delete()
        User.objects.filter(pk__in=[admin.pk, evaluator.pk]).delete()
        history_rows_delete(CenterAuditEvent.objects.filter(center=township))
        township.domains.all().delete()
        Center.objects.filter(pk=township.pk).delete()
        drop_schema(township.schema_name)
        spare_schemas_fill(settings.CENTER_SPARE_SCHEMAS)
        cache.clear()


def _field(code: str, prefix: str) -> str:
    return f'[id="{prefix}_{code}"]'


def test_evaluator_scores_a_center(scoring_site, live_gunicorn, city, tmp_path):
    from evaluation.scoring.models import EvidencePhoto, Scorecard, ScorecardState

    card = scoring_site["card"]
    assert card.state == ScorecardState.DRAFT
    photo = tmp_path / "hall.png"
    photo.write_bytes(png_bytes(64, 48))
    port = live_gunicorn.rsplit(":", 1)[1]
    base = f"http://{host(city)}:{port}"
    with browser_page(live_gunicorn) as page:
        page.goto(f"{base}/admin/login/?next=/admin/evaluation/assignments/")
        page.fill('input[name="username"]', scoring_site["evaluator"].username)
        page.fill('input[name="password"]', PASSWORD)
        page.click('button[type="submit"]')
        page.wait_for_url(f"{base}/admin/evaluation/assignments/")
        screenshot(page, SHOTS, "assignments")
        page.click(f'a[href="/admin/evaluation/scorecards/{card.pk}/"]')
        page.wait_for_url(f"{base}/admin/evaluation/scorecards/{card.pk}/")

        page.fill("#id_site_visit_date", "2026-10-12")
        page.fill(_field("1.1.1", "points"), "9")
        page.fill(_field("1.1.1", "comment"), "大厅整洁宽敞")
        page.set_input_files(_field("1.1.1", "photo"), str(photo))
        page.click("#save-draft")
        page.wait_for_selector("img.scoring-thumb")
        # Saved as a draft: still the form, and the photo's thumbnail is served and drawn.
        assert page.evaluate("document.querySelector('img.scoring-thumb').naturalWidth") > 0
        # What was saved is in the form again.
        assert page.input_value(_field("1.1.1", "points")) == "9.00"

        page.fill(_field("1.1.2", "points"), "5")
        page.fill(_field("2.1.1", "faults"), "1")
        page.fill(_field("3.1.1", "points"), "3")
        page.fill(_field("3.1.2", "points"), "0")
        screenshot(page, SHOTS, "score-form")
        page.click("#submit-scorecard")
        page.wait_for_selector("#scorecard-total")
        screenshot(page, SHOTS, "submitted")
    # Playwright's event loop is gone: the database may be read again.
    card = Scorecard.objects.get(pk=card.pk)
    assert card.state == ScorecardState.SUBMITTED
    assert card.scores.get(item__code="1.1.1").comment == "大厅整洁宽敞"
    assert EvidencePhoto.objects.filter(item_score__scorecard=card).count() == 1
    # 9 + 5 + (4 - 1) + 10 + 5 (auto items without figures) + 3 bonus
    assert card.total == Decimal("35.00")
    assert card.site_visit_date == datetime.date(2026, 10, 12)
