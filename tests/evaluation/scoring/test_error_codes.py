"""Refusals of the scoring services carry a stable ScoringErrorCode beside their message, on
each field of a ValidationError and on PermissionDenied."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_tenants.utils import schema_context

from evaluation.scoring import services
from evaluation.scoring.error_codes import ScoringErrorCode as Code
from tenants.accounts.models import Role, User

from .conftest import PERIOD, RUBRIC_CSV, submit_ready, upload

pytestmark = pytest.mark.django_db


def codes(exc: ValidationError) -> dict[str, list[str]]:
    return {field: [error.code for error in errors] for field, errors in exc.error_dict.items()}


def test_every_refusal_of_a_bad_import_has_a_code(city_admin):
    with pytest.raises(ValidationError) as exc:
        services.rubric_import(
            actor=city_admin, name="", content=b"not,a,rubric", filename="x.csv", bonus_cap="-1"
        )
    found = codes(exc.value)
    assert found["name"] == [Code.NAME_REQUIRED]
    assert found["bonus_cap"] == [Code.BONUS_CAP_INVALID]
    assert set(found["file"]) == {Code.FILE_INVALID}


def test_published_rubric_and_round_name(city_admin, rubric, round_):
    item = rubric.items.get(code="1.1.2")
    with pytest.raises(ValidationError) as exc:
        services.rubric_item_update(actor=city_admin, item=item, title="新名称")
    assert codes(exc.value) == {"rubric": [Code.RUBRIC_PUBLISHED]}
    with pytest.raises(ValidationError) as exc:
        services.round_create(
            actor=city_admin, name=round_.name, period_start=PERIOD[1], period_end=PERIOD[0],
            rubric=rubric,
        )  # fmt: skip
    assert codes(exc.value) == {
        "name": [Code.ROUND_NAME_TAKEN],
        "period_end": [Code.PERIOD_INVALID],
    }


def test_scores_carry_the_code_of_their_rule(card, evaluator):
    with pytest.raises(ValidationError) as exc:
        services.scorecard_save_draft(
            actor=evaluator,
            scorecard=card,
            scores={
                "1.1.1": {"points": "11"},
                "1.1.2": {"points": "abc"},
                "2.1.1": {"fault_count": "-1"},
                "2.1.2": {"points": "3"},
                "9.9.9": {"points": "1"},
            },
            site_visit_date=datetime.date.today() + datetime.timedelta(days=3),
        )
    assert codes(exc.value) == {
        "scores": [Code.UNKNOWN_ITEM],
        "item_1.1.1": [Code.POINTS_ABOVE_MAXIMUM],
        "item_1.1.2": [Code.POINTS_NOT_A_NUMBER],
        "item_2.1.1": [Code.FAULTS_NEGATIVE],
        "item_2.1.2": [Code.COMPUTED_ITEM],
        "site_visit_date": [Code.SITE_VISIT_IN_FUTURE],
    }


def test_submit_and_evidence_codes(card, evaluator, media_root):
    with pytest.raises(ValidationError) as exc:
        services.scorecard_submit(actor=evaluator, scorecard=card, scores={})
    found = codes(exc.value)
    assert found["item_1.1.1"] == [Code.ITEM_NOT_SCORED]
    assert found["item_2.1.1"] == [Code.FAULTS_MISSING]
    assert found["site_visit_date"] == [Code.SITE_VISIT_MISSING]
    with pytest.raises(ValidationError) as exc:
        services.evidence_add(
            actor=evaluator, scorecard=card, item_code="1.1.1", upload=upload("x.png", b"")
        )
    assert codes(exc.value) == {"photo": [Code.PHOTO_EMPTY]}
    with pytest.raises(ValidationError) as exc:
        services.scorecard_save_draft(
            actor=evaluator,
            scorecard=card,
            scores={},
            photos={"1.1.1": [upload("x.png", b"%PDF-1.4 not an image")]},
        )
    assert codes(exc.value) == {"item_1.1.1": [Code.PHOTO_NOT_AN_IMAGE]}


def test_permission_refusals_carry_their_code(card, evaluator, rubric, township, city_admin):
    with pytest.raises(PermissionDenied) as exc:
        services.rubric_import(
            actor=evaluator, name="R", content=RUBRIC_CSV.encode(), filename="r.csv"
        )
    assert exc.value.code == Code.NOT_PERMITTED
    with pytest.raises(PermissionDenied) as exc:
        services.round_create(
            actor=evaluator, name="R", period_start=PERIOD[0], period_end=PERIOD[1],
            rubric=rubric,
        )  # fmt: skip
    assert exc.value.code == Code.NOT_CITY_ADMIN
    with pytest.raises(PermissionDenied) as exc:
        services.scorecard_save_draft(actor=city_admin, scorecard=card, scores={})
    assert exc.value.code == Code.NOT_ASSIGNED_EVALUATOR
    submit_ready(card, evaluator)
    with schema_context(township.schema_name):
        director = User.objects.get(role=Role.CENTER_DIRECTOR)
        with pytest.raises(ValidationError) as exc:
            services.appeal_file(actor=director, scorecard=card, reasons="场所面积测量有误")
        assert codes(exc.value) == {"round": [Code.ROUND_STATE]}
    with pytest.raises(PermissionDenied) as exc:
        services.appeal_file(actor=director, scorecard=card, reasons="场所面积测量有误")
    assert exc.value.code == Code.NOT_CENTER_DIRECTOR


def test_lock_lists_what_is_missing_under_one_code(round_, city_admin):
    services.round_open_appeals(actor=city_admin, round=round_)
    with pytest.raises(ValidationError) as exc:
        services.round_lock(actor=city_admin, round=round_)
    found = codes(exc.value)
    assert found["round"] and set(found["round"]) == {Code.ROUND_INCOMPLETE}
