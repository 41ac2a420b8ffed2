"""The scoring services: rubric versions, formulas, deductions, bonus cap, veto, bad input,
permissions, appeals, lock and publication with ranking ties and the 约谈 flag."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_tenants.utils import schema_context

from evaluation.metrics.models import CenterDailySnapshot
from evaluation.scoring import services
from evaluation.scoring.models import (
    AppealState,
    EvidencePhoto,
    ItemScore,
    RankingEntry,
    RoundState,
    RubricState,
    Scorecard,
    ScorecardState,
)
from tenants.accounts.models import Role, User

from .conftest import PERIOD, RUBRIC_CSV, full_scores, png_bytes, submit_ready, upload

pytestmark = pytest.mark.django_db


def director_of(center):
    with schema_context(center.schema_name):
        return User.objects.get(role=Role.CENTER_DIRECTOR)


def snapshot(center, day, **figures):
    return CenterDailySnapshot.objects.create(
        center=center, district_id=center.parent_id, day=day, **figures
    )


def to_appeals(round_, city_admin):
    return services.round_open_appeals(actor=city_admin, round=round_)


def publish(round_, city_admin):
    round_.refresh_from_db()
    if round_.state == RoundState.SCORING:
        round_ = services.round_open_appeals(actor=city_admin, round=round_)
    round_ = services.round_lock(actor=city_admin, round=round_)
    return services.round_publish(actor=city_admin, round=round_)


# ---------------------------------------------------------------- rubric


def test_import_reports_every_bad_row(city_admin):
    bad = (
        "编码,名称,类型,分值,需要佐证,每处扣分,指标,满分值,零分值\n"
        "1,场所建设,,,,,,,\n"
        "1.1,面积,,,,,,,\n"
        "1.1.1,大厅,评分,-3,是,,,,\n"
        "1.1.2,考勤,扣分,4,否,,,,\n"
        "1.1.3,办结率,自动计算,10,否,,speed,0.9,0.9\n"
        "2.5.1,孤儿,评分,3,否,,,,\n"
        "1.1.1,重复,评分,3,也许,,,,\n"
    )
    with pytest.raises(ValidationError) as exc:
        services.rubric_import(actor=city_admin, name="细则", content=bad.encode())
    text = " ".join(exc.value.message_dict["file"])
    for row in ("4", "5", "6", "7", "8"):
        assert row in text
    assert "speed" in text
    from evaluation.scoring.models import Rubric

    assert not Rubric.objects.filter(name="细则").exists()


def test_import_and_publish(rubric):
    assert rubric.state == RubricState.PUBLISHED
    assert rubric.version == 1
    assert rubric.total_points == Decimal("34.00")
    assert rubric.bonus_cap == Decimal("4.00")
    item = rubric.items.get(code="2.1.2")
    assert item.kind == "auto"
    assert item.formula == {"metric": "on_time_rate", "full_at": 0.98, "zero_at": 0.8}
    assert item.parent.code == "2.1" and item.parent.parent.code == "2"


def test_publish_refuses_inconsistent_rubric(city_admin):
    content = "编码,名称,类型,分值\n1,场所建设,,\n1.1,面积,,\n"
    draft = services.rubric_import(actor=city_admin, name="空", content=content.encode())
    with pytest.raises(ValidationError) as exc:
        services.rubric_publish(actor=city_admin, rubric=draft)
    assert exc.value.message_dict["rubric"]
    draft.refresh_from_db()
    assert draft.state == RubricState.DRAFT


def test_published_rubric_cannot_be_edited(rubric, city_admin):
    item = rubric.items.get(code="1.1.1")
    with pytest.raises(ValidationError) as exc:
        services.rubric_item_update(actor=city_admin, item=item, max_points=Decimal(20))
    assert "rubric" in exc.value.message_dict
    item.refresh_from_db()
    assert item.max_points == Decimal(10)


def test_round_keeps_its_rubric_version(round_, rubric, city_admin, card, evaluator):
    v2 = services.rubric_new_version(actor=city_admin, rubric=rubric)
    assert v2.version == 2 and v2.state == RubricState.DRAFT
    assert v2.items.count() == rubric.items.count()
    assert v2.items.get(code="2.1.2").parent.rubric == v2
    services.rubric_item_update(
        actor=city_admin, item=v2.items.get(code="1.1.1"), max_points=Decimal(20)
    )
    services.rubric_publish(actor=city_admin, rubric=v2)
    v2.refresh_from_db()
    assert v2.total_points == Decimal("44.00")
    round_.refresh_from_db()
    assert round_.rubric_id == rubric.pk
    # Scoring still follows version 1's maximum.
    with pytest.raises(ValidationError):
        services.scorecard_save_draft(
            actor=evaluator, scorecard=card, scores={"1.1.1": {"points": "15"}}
        )


def test_round_needs_published_rubric(city_admin, rubric):
    draft = services.rubric_new_version(actor=city_admin, rubric=rubric)
    with pytest.raises(ValidationError) as exc:
        services.round_create(
            actor=city_admin, name="R", period_start=PERIOD[0], period_end=PERIOD[1],
            rubric=draft,
        )  # fmt: skip
    assert "rubric" in exc.value.message_dict


def test_only_city_admin_manages_rounds(evaluator, rubric):
    with pytest.raises(PermissionDenied):
        services.round_create(
            actor=evaluator, name="R", period_start=PERIOD[0], period_end=PERIOD[1],
            rubric=rubric,
        )  # fmt: skip


def test_evaluator_of_other_district_cannot_be_assigned(
    city_admin, rubric, township, other_evaluator
):
    round_ = services.round_create(
        actor=city_admin, name="R", period_start=PERIOD[0], period_end=PERIOD[1], rubric=rubric
    )
    with pytest.raises(ValidationError) as exc:
        services.assignment_set(
            actor=city_admin, round=round_, center=township, evaluator=other_evaluator.username
        )
    assert "evaluator" in exc.value.message_dict
    assert not round_.assignments.exists()


# ---------------------------------------------------------------- scoring


def test_draft_then_submit_computes_total(card, evaluator, township):
    snapshot(township, datetime.date(2026, 8, 3), closed=60, closed_on_time=50,
             handling_working_days=360)  # fmt: skip
    snapshot(township, datetime.date(2026, 8, 4), closed=40, closed_on_time=39,
             handling_working_days=240)  # fmt: skip
    snapshot(township, datetime.date(2026, 10, 4), closed=40, closed_on_time=0)  # outside
    services.scorecard_save_draft(
        actor=evaluator, scorecard=card, scores={"1.1.1": {"points": "9", "comment": "整洁"}}
    )
    card.refresh_from_db()
    assert card.state == ScorecardState.DRAFT
    assert card.scores.get(item__code="1.1.1").points == Decimal(9)
    card = submit_ready(card, evaluator)
    assert card.state == ScorecardState.SUBMITTED
    # on time 89/100 → half of 10; avg 6 days between 2 (full) and 10 (zero) → half of 5.
    auto = card.scores.get(item__code="2.1.2")
    assert auto.metric_value == Decimal("0.89") and auto.points == Decimal("5.00")
    assert card.scores.get(item__code="2.1.3").points == Decimal("2.50")
    assert card.scores.get(item__code="2.1.1").points == Decimal("3.00")
    assert card.total == Decimal("24.50")
    assert card.sections["1"]["points"] == "14.00"
    assert card.sections["2"] == {"title": "运行机制", "points": "10.50", "max": "19.00"}
    assert not card.vetoed


def test_auto_item_without_figures_takes_the_maximum(card, evaluator):
    card = submit_ready(card, evaluator)
    assert card.scores.get(item__code="2.1.2").points == Decimal("10.00")
    assert card.scores.get(item__code="2.1.2").metric_value is None


def test_auto_items_cannot_be_typed(card, evaluator):
    with pytest.raises(ValidationError) as exc:
        services.scorecard_save_draft(
            actor=evaluator, scorecard=card, scores={"2.1.2": {"points": "10"}}
        )
    assert "item_2.1.2" in exc.value.message_dict


def test_deductions(card, evaluator):
    card = submit_ready(card, evaluator, **{"2.1.1": {"fault_count": "4"}})
    assert card.scores.get(item__code="2.1.1").points == Decimal("0.00")


def test_deduction_count_beyond_the_item_refused(card, evaluator):
    with pytest.raises(ValidationError) as exc:
        services.scorecard_save_draft(
            actor=evaluator, scorecard=card, scores={"2.1.1": {"fault_count": "5"}}
        )
    assert "2.1.1" in exc.value.message_dict["item_2.1.1"][0]
    assert not ItemScore.objects.filter(scorecard=card).exists()


def test_bonus_is_capped(card, evaluator):
    card = submit_ready(card, evaluator, **{"3.1.1": {"points": "3"}, "3.1.2": {"points": "3"}})
    assert card.bonus == Decimal("4.00")
    assert card.total == Decimal("10") + Decimal("9") + Decimal("5") + Decimal("3") + Decimal(
        "15"
    ) - Decimal("10") + Decimal("4")  # 9 + 5 + 3 + 10 + 5 (auto full) + 4 bonus


def test_veto_zeroes_the_total(card, evaluator):
    card = submit_ready(card, evaluator, **{"4.1.1": {"marked": True}})
    assert card.vetoed
    assert card.total == Decimal("0.00")


@pytest.mark.parametrize(
    ("entry", "code"),
    [
        ({"points": "10.5"}, "1.1.1"),
        ({"points": "-1"}, "1.1.1"),
        ({"points": "abc"}, "1.1.2"),
        ({"points": "1.005"}, "1.1.2"),
        ({"fault_count": "-2"}, "2.1.1"),
        ({"fault_count": "x"}, "2.1.1"),
        ({"points": "5"}, "3.1.1"),
    ],
)
def test_bad_scores_refused_and_nothing_changed(card, evaluator, entry, code):
    services.scorecard_save_draft(
        actor=evaluator, scorecard=card, scores={"1.1.2": {"points": "4"}}, comment="初评"
    )
    with pytest.raises(ValidationError) as exc:
        services.scorecard_save_draft(
            actor=evaluator,
            scorecard=card,
            scores={"1.1.2": {"points": "3"}, code: entry},
            comment="改过",
        )
    assert code in exc.value.message_dict[f"item_{code}"][0]
    card.refresh_from_db()
    assert card.comment == "初评"
    assert card.scores.get(item__code="1.1.2").points == Decimal(4)


def test_submit_missing_score_and_photo(card, evaluator):
    scores = full_scores()
    del scores["1.1.2"]
    with pytest.raises(ValidationError) as exc:
        services.scorecard_submit(
            actor=evaluator,
            scorecard=card,
            scores=scores,
            site_visit_date=datetime.date(2026, 10, 1),
        )
    errors = exc.value.message_dict
    assert "1.1.2" in errors["item_1.1.2"][0]
    assert "1.1.1" in errors["item_1.1.1"][0]  # no evidence photo
    card.refresh_from_db()
    assert card.state == ScorecardState.DRAFT
    assert not card.scores.exists()
    assert card.site_visit_date is None


def test_submit_needs_site_visit_date(card, evaluator):
    services.evidence_add(actor=evaluator, scorecard=card, item_code="1.1.1", upload=upload())
    with pytest.raises(ValidationError) as exc:
        services.scorecard_submit(actor=evaluator, scorecard=card, scores=full_scores())
    assert "site_visit_date" in exc.value.message_dict


def test_submitted_scorecard_cannot_change(card, evaluator):
    submit_ready(card, evaluator)
    with pytest.raises(ValidationError):
        services.scorecard_save_draft(
            actor=evaluator, scorecard=card, scores={"1.1.2": {"points": "1"}}
        )


def test_evaluator_outside_district_refused(card, other_evaluator, other_district):
    with pytest.raises(PermissionDenied):
        services.scorecard_save_draft(
            actor=other_evaluator, scorecard=card, scores={"1.1.2": {"points": "1"}}
        )
    assert not card.scores.exists()


def test_unassigned_evaluator_of_same_district_refused(card, city, district, make_user):
    colleague = make_user(city, "shenbei-eval-2", Role.EVALUATOR, district_id=district.pk)
    with pytest.raises(PermissionDenied):
        services.scorecard_save_draft(
            actor=colleague, scorecard=card, scores={"1.1.2": {"points": "1"}}
        )


# ---------------------------------------------------------------- evidence


def test_evidence_photo_with_thumbnail(card, evaluator, media_root):
    photo = services.evidence_add(
        actor=evaluator, scorecard=card, item_code="1.1.1",
        upload=upload("hall.jpg", png_bytes((1200, 800), fmt="JPEG")),
    )  # fmt: skip
    assert photo.content_type == "image/jpeg"
    assert (photo.width, photo.height) == (1200, 800)
    image_path = Path(photo.image.path)
    thumb_path = Path(photo.thumbnail.path)
    assert image_path.is_file() and thumb_path.is_file()
    assert image_path.parent == thumb_path.parent
    from PIL import Image

    with Image.open(thumb_path) as thumb:
        assert max(thumb.size) == 320


@pytest.mark.parametrize(
    "data",
    [b"", b"%PDF-1.4 not an image", b"\x89PNG\r\n\x1a\n" + b"broken" * 20, png_bytes(fmt="GIF")],
)
def test_bad_evidence_refused(card, evaluator, media_root, data):
    with pytest.raises(ValidationError) as exc:
        services.evidence_add(
            actor=evaluator, scorecard=card, item_code="1.1.1", upload=upload("x.png", data)
        )
    assert "photo" in exc.value.message_dict
    assert not EvidencePhoto.objects.exists()


def test_oversized_evidence_refused(card, evaluator, media_root, monkeypatch):
    from evaluation.scoring import evidence

    monkeypatch.setattr(evidence, "EVIDENCE_MAX_BYTES", 100)
    with pytest.raises(ValidationError) as exc:
        services.evidence_add(actor=evaluator, scorecard=card, item_code="1.1.1", upload=upload())
    assert "MB" in exc.value.message_dict["photo"][0]


def test_evidence_by_other_district_refused(card, other_evaluator, media_root):
    with pytest.raises(PermissionDenied):
        services.evidence_add(
            actor=other_evaluator, scorecard=card, item_code="1.1.1", upload=upload()
        )


# ---------------------------------------------------------------- appeals, lock, publish


def test_appeal_flow(card, other_card, evaluator, township, city_admin, supervisor, round_):
    submit_ready(card, evaluator)
    submit_ready(other_card, evaluator)
    director = director_of(township)
    # Not in the appeals window yet.
    with schema_context(township.schema_name), pytest.raises(ValidationError):
        services.appeal_file(actor=director, scorecard=card, reasons="场所面积测量有误，请复核")
    to_appeals(round_, city_admin)
    with schema_context(township.schema_name):
        with pytest.raises(ValidationError):
            services.appeal_file(actor=director, scorecard=card, reasons="短")
        appeal = services.appeal_file(
            actor=director, scorecard=card, reasons="场所面积测量有误，请复核"
        )
        with pytest.raises(ValidationError) as exc:
            services.appeal_file(actor=director, scorecard=card, reasons="再次申诉，理由同上。")
        assert "reasons" in exc.value.message_dict
    assert appeal.original_total == Decimal("32.00")
    with pytest.raises(ValidationError) as exc:
        services.round_lock(actor=city_admin, round=round_)
    assert any("清水台镇" in m for m in exc.value.message_dict["round"])
    with pytest.raises(ValidationError):  # a change needs its reason
        services.appeal_answer(
            actor=supervisor, appeal=appeal, answer="复核", changes={"1.1.1": {"points": "10"}}
        )
    appeal = services.appeal_answer(
        actor=supervisor,
        appeal=appeal,
        answer="经复核，面积达标，改为满分。",
        changes={"1.1.1": {"points": "10", "reason": "复测面积 230 平方米"}},
    )
    assert appeal.state == AppealState.ANSWERED
    assert appeal.adjusted_total == Decimal("33.00")
    assert appeal.adjustments[0]["item"] == "1.1.1"
    card.refresh_from_db()
    assert card.total == Decimal("33.00")
    score = card.scores.get(item__code="1.1.1")
    assert score.adjusted_from == Decimal(9) and score.points == Decimal(10)
    with pytest.raises(ValidationError):
        services.appeal_answer(actor=supervisor, appeal=appeal, answer="再答")


def test_other_center_director_cannot_appeal(card, evaluator, other_township, city_admin, round_):
    submit_ready(card, evaluator)
    to_appeals(round_, city_admin)
    director = director_of(other_township)
    with schema_context(other_township.schema_name), pytest.raises(PermissionDenied):
        services.appeal_file(actor=director, scorecard=card, reasons="不是本中心的评分卡申诉")


def test_other_district_supervisor_cannot_answer(
    card, evaluator, township, city_admin, round_, other_supervisor
):
    submit_ready(card, evaluator)
    to_appeals(round_, city_admin)
    with schema_context(township.schema_name):
        appeal = services.appeal_file(
            actor=director_of(township), scorecard=card, reasons="场所面积测量有误，请复核"
        )
    with pytest.raises(PermissionDenied):
        services.appeal_answer(actor=other_supervisor, appeal=appeal, answer="驳回")
    appeal.refresh_from_db()
    assert appeal.state == AppealState.PENDING


def test_lock_lists_unsubmitted(round_, city_admin, card, evaluator):
    submit_ready(card, evaluator)
    to_appeals(round_, city_admin)
    with pytest.raises(ValidationError) as exc:
        services.round_lock(actor=city_admin, round=round_)
    messages = exc.value.message_dict["round"]
    assert len(messages) == 1 and "虎石台街道" in messages[0]
    round_.refresh_from_db()
    assert round_.state == RoundState.APPEALS


def test_locked_round_refuses_edits(
    round_, city_admin, card, other_card, evaluator, township, supervisor
):
    submit_ready(card, evaluator)
    submit_ready(other_card, evaluator)
    to_appeals(round_, city_admin)
    round_ = services.round_lock(actor=city_admin, round=round_)
    with pytest.raises(ValidationError) as exc:
        services.assignment_set(
            actor=city_admin, round=round_, center=township, evaluator=evaluator.username
        )
    assert "round" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.scorecard_save_draft(
            actor=evaluator, scorecard=card, scores={"1.1.2": {"points": "1"}}
        )
    with schema_context(township.schema_name), pytest.raises(ValidationError):
        services.appeal_file(
            actor=director_of(township), scorecard=card, reasons="锁定后提出的申诉理由"
        )
    with pytest.raises(ValidationError):
        services.round_lock(actor=city_admin, round=round_)
    assert not RankingEntry.objects.exists()


def test_publish_needs_city_admin(round_, card, other_card, evaluator, city_admin, supervisor):
    submit_ready(card, evaluator)
    submit_ready(other_card, evaluator)
    to_appeals(round_, city_admin)
    round_ = services.round_lock(actor=city_admin, round=round_)
    with pytest.raises(PermissionDenied):
        services.round_publish(actor=supervisor, round=round_)


def test_ranking_ties_and_talk_flag(
    city_admin, rubric, township, other_township, make_center, evaluator
):
    third = make_center(
        "xinchengzi", kind="township", code="210113106000", name="新城子镇", parent="shenbei"
    )

    def run(name, start, end, scores_by_center):
        round_ = services.round_create(
            actor=city_admin, name=name, period_start=start, period_end=end, rubric=rubric,
            talk_threshold="20",
        )  # fmt: skip
        for center in scores_by_center:
            services.assignment_set(
                actor=city_admin, round=round_, center=center, evaluator=evaluator.username
            )
        services.round_open_scoring(actor=city_admin, round=round_)
        for center, overrides in scores_by_center.items():
            submit_ready(Scorecard.objects.get(round=round_, center=center), evaluator,
                         **overrides)  # fmt: skip
        return publish(round_, city_admin)

    low = {"1.1.1": {"points": "1"}}
    first = run(
        "2026年第二季度", datetime.date(2026, 4, 1), datetime.date(2026, 6, 30),
        {township: {}, other_township: {}, third: low},
    )  # fmt: skip
    entries = list(first.ranking.all())
    # Ties share a rank and are listed by name.
    assert [(e.center.name, e.rank_city, e.rank_district) for e in entries] == [
        ("清水台镇", 1, 1),
        ("虎石台街道", 1, 1),
        ("新城子镇", 3, 3),
    ]
    assert not any(e.flagged_for_talk for e in entries)  # no earlier round
    second = run(
        "2026年第三季度", datetime.date(2026, 7, 1), datetime.date(2026, 9, 30),
        {township: {"4.1.1": {"marked": True}}, other_township: {}, third: low},
    )  # fmt: skip
    by_name = {e.center.name: e for e in second.ranking.all()}
    assert by_name["清水台镇"].total == 0 and by_name["清水台镇"].vetoed
    assert by_name["清水台镇"].rank_city == 3
    assert by_name["清水台镇"].flagged_for_talk is False  # first round: not last, not below 20
    assert by_name["新城子镇"].rank_city == 2
    assert by_name["虎石台街道"].rank_city == 1
    assert by_name["新城子镇"].flagged_for_talk is False  # not last now, not below 20
    assert second.state == RoundState.PUBLISHED and second.published_by == "city-admin"
    first.refresh_from_db()
    assert first.ranking.count() == 3
    third_round = run(
        "2026年第四季度", datetime.date(2026, 10, 1), datetime.date(2026, 12, 31),
        {township: {"4.1.1": {"marked": True}}, other_township: {}, third: low},
    )  # fmt: skip
    flagged = {e.center.name: e for e in third_round.ranking.all() if e.flagged_for_talk}
    assert list(flagged) == ["清水台镇"]
    assert "2026年第三季度" in flagged["清水台镇"].talk_reason


def test_ranking_sections_breakdown(round_, card, other_card, evaluator, city_admin):
    submit_ready(card, evaluator)
    submit_ready(other_card, evaluator, **{"1.1.2": {"points": "2"}})
    round_ = publish(round_, city_admin)
    top = round_.ranking.order_by("rank_city").first()
    assert top.center.name == "清水台镇" and top.total == Decimal("32.00")
    assert top.sections["1"]["points"] == "14.00"
    assert top.district_name.startswith("沈北新区")


def test_rubric_file_round_trip(rubric, city_admin):
    from evaluation.scoring.tabular import export_rubric, parse_rubric_file

    data = export_rubric(rubric, "xlsx")
    parsed = parse_rubric_file(data, "r.xlsx")
    assert parsed.ok, parsed.errors
    assert len(parsed.rows) == RUBRIC_CSV.count("\n") - 1
    csv_parsed = parse_rubric_file(export_rubric(rubric, "csv"), "r.csv")
    assert [r["code"] for r in csv_parsed.rows] == [r["code"] for r in parsed.rows]


def test_photos_with_the_draft_and_their_removal(card, evaluator, media_root):
    services.scorecard_save_draft(
        actor=evaluator, scorecard=card, scores={"1.1.2": {"points": "4"}},
        photos={"1.1.1": [upload("a.png")], "1.1.2": [upload("b.png")]},
    )  # fmt: skip
    photos = list(EvidencePhoto.objects.order_by("pk"))
    assert [p.item_score.item.code for p in photos] == ["1.1.1", "1.1.2"]
    removed = photos[1]
    path = Path(removed.image.path)
    assert path.is_file()
    services.scorecard_save_draft(
        actor=evaluator, scorecard=card, scores={}, remove_photos=[removed.pk]
    )
    assert list(EvidencePhoto.objects.all()) == [photos[0]]


def test_refused_submit_leaves_no_photo_files(card, evaluator, media_root, private_root):
    scores = full_scores()
    del scores["1.1.2"]
    with pytest.raises(ValidationError):
        services.scorecard_submit(
            actor=evaluator, scorecard=card, scores=scores, photos={"1.1.1": [upload()]},
            site_visit_date=datetime.date(2026, 10, 1),
        )  # fmt: skip
    assert not EvidencePhoto.objects.exists()
    assert not [p for p in private_root.rglob("*") if p.is_file()]


def test_bonus_evidence_only_when_points_given(city_admin, township, evaluator):
    csv = RUBRIC_CSV.replace(
        "3.1.1,获得表彰,加分项,3,市级以上表彰,否,", "3.1.1,获得表彰,加分项,3,市级以上表彰,是,"
    )
    rubric = services.rubric_publish(
        actor=city_admin,
        rubric=services.rubric_import(actor=city_admin, name="B", content=csv.encode(),
                                      bonus_cap="4"),
    )  # fmt: skip
    round_ = services.round_create(
        actor=city_admin, name="B", period_start=PERIOD[0], period_end=PERIOD[1], rubric=rubric
    )
    services.assignment_set(
        actor=city_admin, round=round_, center=township, evaluator=evaluator.username
    )
    services.round_open_scoring(actor=city_admin, round=round_)
    card = round_.scorecards.get()
    with pytest.raises(ValidationError) as exc:
        submit_ready(card, evaluator, **{"3.1.1": {"points": "2"}})
    assert "item_3.1.1" in exc.value.message_dict
    card = submit_ready(card, evaluator)
    assert card.state == ScorecardState.SUBMITTED


def test_sections_add_up_with_the_capped_bonus(card, evaluator):
    card = submit_ready(card, evaluator, **{"3.1.1": {"points": "3"}, "3.1.2": {"points": "3"}})
    assert card.sections["3"] == {"title": "加分项", "points": "4.00", "max": "4.00"}
    assert "4" not in card.sections  # veto items only
    assert sum(Decimal(s["points"]) for s in card.sections.values()) == card.total


@pytest.mark.parametrize(
    ("formula", "ok"),
    [
        ({"metric": "on_time_rate", "full_at": 0.98, "zero_at": 0.8}, True),
        ({"metric": "avg_handling_days", "full_at": 2, "zero_at": 10}, True),
        ({"metric": "overdue_open", "full_at": 0, "zero_at": 5}, True),
        ({"metric": "avg_handling_days", "full_at": 10, "zero_at": 2}, False),
        ({"metric": "good_rate", "full_at": 0.8, "zero_at": 0.99}, False),
        ({"metric": "speed", "full_at": 1, "zero_at": 0}, False),
        ({"metric": "good_rate", "full_at": "x", "zero_at": 0}, False),
        ({"metric": "good_rate", "full_at": 1, "zero_at": 0, "extra": 1}, False),
        ({}, False),
    ],
)
def test_formula_validation(formula, ok):
    from evaluation.scoring.calc import formula_problems

    assert (formula_problems(formula) == []) is ok


def test_formula_checked_when_a_draft_item_changes(rubric, city_admin):
    draft = services.rubric_new_version(actor=city_admin, rubric=rubric)
    item = draft.items.get(code="2.1.3")
    with pytest.raises(ValidationError) as exc:
        services.rubric_item_update(
            actor=city_admin, item=item,
            formula={"metric": "avg_handling_days", "full_at": 10, "zero_at": 2},
        )  # fmt: skip
    assert "2.1.3" in exc.value.message_dict["item"][0]
    item.refresh_from_db()
    assert item.formula["full_at"] == 2
