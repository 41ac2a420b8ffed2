"""The rating page on a center's domain: the second factor (a wrong pair answers like an
unknown receipt), the rating with its dimensions and reasons, the addition, the honeypot, the
throttle, the link on the progress page, and another center's domain finding nothing."""

import pytest
from django_tenants.utils import schema_context

from centers.ratings.models import Rating

from .conftest import make_case

pytestmark = pytest.mark.django_db

LAST4 = "5678"


def _verify(client, case, last4=LAST4, **extra):
    return client.post(
        f"/rate/{case.receipt_number}/",
        {"action": "verify", "phone_last4": last4, "point": "accepted", "channel": "qr"} | extra,
    )


def _rate(client, case, **data):
    base = {"action": "rate", "point": "accepted", "level": "2", "channel": "qr"}
    return client.post(f"/rate/{case.receipt_number}/", base | data)


def test_wrong_pair_answers_like_unknown_receipt(desk, cases, client_for):
    client = client_for(desk.center)
    case = cases["accepted"]
    wrong = _verify(client, case, last4="0000")
    unknown = client.post(
        "/rate/20990101000001/", {"action": "verify", "phone_last4": LAST4, "channel": "qr"}
    )
    assert wrong.status_code == unknown.status_code == 200
    for response in (wrong, unknown):
        page = response.content.decode()
        assert 'id="rate-not-found"' in page and 'id="rate-form"' not in page
        assert f'value="{LAST4}"' not in page and 'value="0000"' not in page
    # Without the second factor, the rating is refused: the form asks for it again.
    response = _rate(client, case)
    assert 'id="rate-verify"' in response.content.decode()
    with schema_context(desk.center.schema_name):
        assert not Rating.objects.exists()


def test_rate_then_add(desk, cases, client_for):
    client = client_for(desk.center)
    case = cases["closed"]
    response = _verify(client, case)
    assert response.status_code == 302
    assert response["Location"].startswith(f"/rate/{case.receipt_number}/")
    page = client.get(response["Location"]).content.decode()
    assert 'id="rate-form"' in page and "非常满意" in page and "非常不满意" in page
    # Reasons are required for 不满意 (checked on the server).
    response = _rate(client, case, level="4", reasons="")
    assert response.status_code == 200
    assert response.context["rate_form"].errors["reasons"]
    response = _rate(client, case, level="4", reasons="<script>alert(1)</script>", dim_attitude="5")
    assert response.status_code == 302
    with schema_context(desk.center.schema_name):
        rating = Rating.objects.get(case=case)
    assert (rating.point, rating.level, rating.channel) == ("accepted", 4, "qr")
    assert rating.dimensions == {"attitude": 5}
    page = client.get(response["Location"]).content.decode()
    assert 'id="rate-thanks"' in page and "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    # The completed point is still open; a second rating of the accepted point is refused.
    response = _rate(client, case, level="1")
    assert response.status_code == 200 and response.context["rate_form"].errors
    response = client.post(
        f"/rate/{case.receipt_number}/",
        {"action": "add", "rating": rating.pk, "text": "已回访解决", "channel": "qr"},
    )
    assert response.status_code == 302
    with schema_context(desk.center.schema_name):
        rating.refresh_from_db()
        assert rating.level == 4
        assert [a.text for a in rating.additions.all()] == ["已回访解决"]
    assert "已回访解决" in client.get(response["Location"]).content.decode()


def test_online_case_gets_online_dimensions(desk, client_for):
    case = make_case(desk, channel="online")
    client = client_for(desk.center)
    _verify(client, case)
    form = client.get(f"/rate/{case.receipt_number}/").context["rate_form"]
    assert "dim_guide_accuracy" in form.fields and "dim_attitude" not in form.fields


def test_channel_defaults_to_portal(desk, cases, client_for):
    client = client_for(desk.center)
    case = cases["accepted"]
    _verify(client, case, channel="sms")
    assert _rate(client, case, channel="nonsense").status_code == 302
    with schema_context(desk.center.schema_name):
        assert Rating.objects.get(case=case).channel == "portal"


def test_not_open_yet(desk, cases, client_for):
    client = client_for(desk.center)
    case = cases["received"]
    _verify(client, case)
    page = client.get(f"/rate/{case.receipt_number}/").content.decode()
    assert 'id="rate-not-open"' in page and 'id="rate-form"' not in page
    _rate(client, case)
    with schema_context(desk.center.schema_name):
        assert not Rating.objects.exists()


def test_honeypot_saves_nothing(desk, cases, client_for):
    client = client_for(desk.center)
    case = cases["accepted"]
    assert _verify(client, case, website="http://spam").status_code == 400
    _verify(client, case)
    assert _rate(client, case, website="http://spam").status_code == 400
    with schema_context(desk.center.schema_name):
        assert not Rating.objects.exists()


def test_throttled(desk, cases, client_for):
    from centers.cases.progress import IP_LIMIT

    client = client_for(desk.center)
    case = cases["accepted"]
    for _ in range(IP_LIMIT):
        assert _verify(client, case, last4="0000").status_code == 200
    response = _verify(client, case)
    assert response.status_code == 429 and int(response["Retry-After"]) > 0


def test_progress_page_links_open_points(desk, cases, client_for):
    client = client_for(desk.center)
    case = cases["closed"]
    page = client.post(
        "/progress/", {"receipt": case.receipt_number, "phone_last4": LAST4}
    ).content.decode()
    assert f"/rate/{case.receipt_number}/?point=accepted" in page
    assert f"/rate/{case.receipt_number}/?point=completed" in page
    _verify(client, case)
    _rate(client, case, point="completed", level="1")
    page = client.post(
        "/progress/", {"receipt": case.receipt_number, "phone_last4": LAST4}
    ).content.decode()
    assert "?point=accepted" in page and "?point=completed" not in page
    received = cases["received"]
    page = client.post(
        "/progress/", {"receipt": received.receipt_number, "phone_last4": LAST4}
    ).content.decode()
    assert 'id="progress-result"' in page and "/rate/" not in page


def test_another_center_domain_cannot_rate(desk, cases, client_for, other_township):
    case = cases["accepted"]
    other = client_for(other_township)
    response = _verify(other, case)
    assert response.status_code == 200 and 'id="rate-not-found"' in response.content.decode()
    # Verified on this center's domain, the session means nothing on the other one.
    mine = client_for(desk.center)
    _verify(mine, case)
    other.cookies = mine.cookies
    response = _rate(other, case)
    assert 'id="rate-verify"' in response.content.decode()
    with schema_context(other_township.schema_name):
        assert not Rating.objects.exists()
    with schema_context(desk.center.schema_name):
        assert not Rating.objects.exists()
