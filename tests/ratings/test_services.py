"""The rules of a 好差评 rating: points only when open, one per case and point, reasons for
差评, the online dimensions for online cases, additions that never replace, and PostgreSQL
refusing to change or remove a rating."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django_tenants.utils import schema_context

from centers.ratings import selectors, services
from centers.ratings.models import Rating, RatingAddition

from .conftest import make_case

pytestmark = pytest.mark.django_db


def _submit(case, point="accepted", level=2, dimensions=None, reasons="", channel="portal"):
    return services.rating_submit(
        case=case,
        point=point,
        level=level,
        dimensions=dimensions or {},
        reasons=reasons,
        channel=channel,
    )


def test_points_only_when_open(desk, cases):
    with schema_context(desk.center.schema_name):
        for point in ("accepted", "completed"):
            with pytest.raises(ValidationError) as err:
                _submit(cases["received"], point=point)
            assert "point" in err.value.message_dict
        with pytest.raises(ValidationError):
            _submit(cases["accepted"], point="completed")
        assert _submit(cases["accepted"], point="accepted").level == 2
        assert _submit(cases["closed"], point="accepted").point == "accepted"
        assert _submit(cases["closed"], point="completed").point == "completed"
        assert selectors.open_points(cases["received"]) == []
        assert selectors.open_points(cases["accepted"]) == []
        assert selectors.open_points(cases["closed"]) == []


def test_open_points(desk, cases):
    with schema_context(desk.center.schema_name):
        assert selectors.open_points(cases["accepted"]) == ["accepted"]
        assert selectors.open_points(cases["closed"]) == ["accepted", "completed"]
        _submit(cases["closed"], point="completed")
        assert selectors.open_points(cases["closed"]) == ["accepted"]


def test_one_per_case_and_point_idempotent_repeat(desk, cases):
    case = cases["accepted"]
    with schema_context(desk.center.schema_name):
        first = _submit(case, level=1, dimensions={"overall": 1})
        assert _submit(case, level=1, dimensions={"overall": 1}).pk == first.pk
        with pytest.raises(ValidationError) as err:
            _submit(case, level=3)
        assert "point" in err.value.message_dict
        assert Rating.objects.filter(case=case).count() == 1
        assert Rating.objects.get(pk=first.pk).level == 1
        with pytest.raises(IntegrityError), transaction.atomic():
            Rating.objects.create(case=case, point="accepted", level=2, channel="qr")


def test_reasons_required_for_bad_levels(desk, cases):
    case = cases["closed"]
    with schema_context(desk.center.schema_name):
        for level in (4, 5):
            with pytest.raises(ValidationError) as err:
                _submit(case, level=level, reasons="  ")
            assert "reasons" in err.value.message_dict
        rating = _submit(case, level=5, reasons="等了两个小时")
        assert rating.is_bad and rating.reasons == "等了两个小时"
        for bad in (0, 6, "x", None):
            with pytest.raises(ValidationError) as err:
                _submit(case, point="completed", level=bad)
            assert "level" in err.value.message_dict
        with pytest.raises(ValidationError) as err:
            _submit(case, point="completed", channel="sms")
        assert "channel" in err.value.message_dict


def test_window_and_online_dimensions(desk, cases):
    window = cases["accepted"]
    online = make_case(desk, channel="online")
    with schema_context(desk.center.schema_name):
        assert online.channel == "online"
        with pytest.raises(ValidationError) as err:
            _submit(window, dimensions={"guide_accuracy": 1})
        assert "dimensions" in err.value.message_dict
        with pytest.raises(ValidationError) as err:
            _submit(online, dimensions={"attitude": 1})
        assert "dimensions" in err.value.message_dict
        with pytest.raises(ValidationError):
            _submit(online, dimensions={"overall": 9})
        dims = {"overall": 1, "efficiency": 2, "guide_accuracy": 3, "convenience": 1}
        assert _submit(online, dimensions=dims | {"ease_of_use": ""}).dimensions == dims
        window_dims = {"overall": 2, "efficiency": 2, "service": 1, "attitude": 1}
        assert _submit(window, dimensions=window_dims).dimensions == window_dims


def test_addition_never_replaces(desk, cases):
    with schema_context(desk.center.schema_name):
        rating = _submit(cases["accepted"], level=4, reasons="窗口人员态度差")
        services.rating_add(rating=rating, text="后来电话回访，问题已解决")
        services.rating_add(rating=rating, text="谢谢")
        with pytest.raises(ValidationError):
            services.rating_add(rating=rating, text="   ")
        rating.refresh_from_db()
        assert (rating.level, rating.reasons) == (4, "窗口人员态度差")
        assert [a.text for a in rating.additions.all()] == ["后来电话回访，问题已解决", "谢谢"]


def test_trigger_refuses_update_and_delete(desk, cases):
    with schema_context(desk.center.schema_name):
        rating = _submit(cases["accepted"])
        addition = services.rating_add(rating=rating, text="补充")
        for sql, pk in (
            ("UPDATE ratings_rating SET level = 1 WHERE id = %s", rating.pk),
            ("DELETE FROM ratings_rating WHERE id = %s", rating.pk),
            ("UPDATE ratings_ratingaddition SET text = 'x' WHERE id = %s", addition.pk),
            ("DELETE FROM ratings_ratingaddition WHERE id = %s", addition.pk),
        ):
            with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cur:
                cur.execute(sql, [pk])
        with pytest.raises(IntegrityError), transaction.atomic():
            Rating.objects.filter(pk=rating.pk).update(level=5)
        assert Rating.objects.get(pk=rating.pk).level == 2
        assert RatingAddition.objects.get(pk=addition.pk).text == "补充"


def test_summary(desk, cases):
    with schema_context(desk.center.schema_name):
        assert selectors.ratings_summary()["good_rate"] is None
        _submit(cases["accepted"], level=1)
        _submit(cases["closed"], level=2)
        _submit(cases["closed"], point="completed", level=5, reasons="慢")
        summary = selectors.ratings_summary()
        assert summary["by_level"] == {1: 1, 2: 1, 3: 0, 4: 0, 5: 1}
        assert summary["total"] == 3 and summary["good"] == 2
        assert summary["good_rate"] == pytest.approx(2 / 3)


def test_another_center_never_finds_these_ratings(desk, cases, other_township):
    with schema_context(desk.center.schema_name):
        _submit(cases["accepted"])
    with schema_context(other_township.schema_name):
        assert Rating.objects.count() == 0
        assert selectors.ratings_summary()["total"] == 0
