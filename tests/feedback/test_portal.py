"""The public pages on each center's domain: /complaints/ (the form, the honeypot, the rate
limit, the tracking number and access code shown once) and /complaints/track/ (the reply by
number and second factor, a wrong pair answered like an unknown number, escaping, throttle,
isolation between centers)."""

import re

import pytest
from django_tenants.utils import schema_context

from centers.feedback import services, throttle
from centers.feedback.models import Feedback

from .conftest import submit

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"


def _form(**extra):
    data = {"kind": "complaint", "text": "窗口排队太久", "website": ""}
    data.update(extra)
    return data


def _normalised(response, *values) -> str:
    text = response.content.decode()
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)
    text = re.sub(r'nonce="[^"]+"', "", text)  # a fresh CSP nonce in every response
    for value in values:
        text = text.replace(value, "…")
    return text


def test_form_page(center, client_for):
    response = client_for(center.center).get("/complaints/?matter=FB-0001")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="website"' in page and 'class="fb-hp" aria-hidden="true"' in page
    assert response.context["form"].initial["matter_code"] == "FB-0001"
    assert "最低生活保障申请" in page
    # An unknown matter is not prefilled.
    response = client_for(center.center).get("/complaints/?matter=NOPE")
    assert response.context["form"].initial["matter_code"] == ""


def test_anonymous_submission_shows_number_and_code_once(center, client_for):
    client = client_for(center.center)
    response = client.post("/complaints/", _form(kind="question", matter_code="FB-0001"))
    assert response.status_code == 302 and response["Location"] == "/complaints/"
    response = client.get("/complaints/")
    assert response.status_code == 200
    code = response.context["access_code"]
    number = response.context["tracking_number"]
    page = response.content.decode()
    assert f'id="feedback-tracking">{number}<' in page
    assert f'id="feedback-access-code">{code}<' in page
    with schema_context(center.center.schema_name):
        feedback = Feedback.objects.get()
        assert feedback.tracking_number == number and feedback.kind == "question"
        assert feedback.matter_code == "FB-0001"
        assert feedback.access_code_hash == services.access_code_hash(number, code)
    # Shown once: the next visit is the empty form again.
    response = client.get("/complaints/")
    assert "access_code" not in response.context and "form" in response.context


def test_submission_with_phone_has_no_access_code(center, client_for):
    client = client_for(center.center)
    response = client.post(
        "/complaints/", _form(kind="suggestion", name="李四", phone="138 1234 5678")
    )
    assert response.status_code == 302
    response = client.get("/complaints/")
    assert response.context["access_code"] == ""
    assert 'id="feedback-access-code"' not in response.content.decode()
    with schema_context(center.center.schema_name):
        feedback = Feedback.objects.get()
        assert (feedback.kind, feedback.name, feedback.phone) == (
            "suggestion",
            "李四",
            "13812345678",
        )


def test_invalid_input_is_shown_with_the_form(center, client_for):
    response = client_for(center.center).post(
        "/complaints/", _form(text="", phone="123", matter_code="NOPE")
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"text"}
    response = client_for(center.center).post("/complaints/", _form(phone="123", matter_code="X"))
    assert set(response.context["form"].errors) == {"phone", "matter_code"}
    with schema_context(center.center.schema_name):
        assert not Feedback.objects.exists()


def test_honeypot_refused_and_nothing_saved(center, client_for):
    response = client_for(center.center).post("/complaints/", _form(website="http://spam.example"))
    assert response.status_code == 400
    assert 'id="feedback-refused"' in response.content.decode()
    with schema_context(center.center.schema_name):
        assert not Feedback.objects.exists()


def test_submissions_rate_limited_per_address(center, client_for):
    client = client_for(center.center)
    for _ in range(throttle.SUBMIT_LIMIT):
        assert client.post("/complaints/", _form()).status_code == 302
    response = client.post("/complaints/", _form())
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert 'id="feedback-throttled"' in response.content.decode()
    with schema_context(center.center.schema_name):
        assert Feedback.objects.count() == throttle.SUBMIT_LIMIT
    # Another address is not held back.
    other = client_for(center.center, REMOTE_ADDR="10.0.0.9")
    assert other.post("/complaints/", _form()).status_code == 302


def _reply(center, feedback, text):
    with schema_context(center.center.schema_name):
        services.feedback_reply(actor=center.clerk, feedback=feedback, text=text)


def test_track_by_phone_and_by_access_code(center, client_for):
    with_phone = submit(center.center, phone="13812345678").feedback
    anonymous = submit(center.center, kind="complaint", text=SCRIPT)
    _reply(center, with_phone, "请携带身份证。")
    _reply(center, anonymous.feedback, f"已核实 {SCRIPT}")
    client = client_for(center.center)
    response = client.post(
        "/complaints/track/", {"number": with_phone.tracking_number, "secret": "5678"}
    )
    assert response.status_code == 200
    assert response.context["result"]["reply"] == "请携带身份证。"
    assert 'id="feedback-reply">请携带身份证。<' in response.content.decode()
    response = client.post(
        "/complaints/track/",
        {"number": anonymous.feedback.tracking_number.lower(), "secret": anonymous.access_code},
    )
    assert response.context["result"]["tracking_number"] == anonymous.feedback.tracking_number
    page = response.content.decode()
    # Every text escaped: the complaint and the reply show as text.
    assert SCRIPT not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    # The number may come prefilled.
    response = client.get(f"/complaints/track/?number={with_phone.tracking_number}")
    assert response.context["form"].initial["number"] == with_phone.tracking_number


def test_wrong_pair_answers_like_an_unknown_number(center, client_for):
    feedback = submit(center.center, phone="13812345678").feedback
    client = client_for(center.center)
    wrong = client.post(
        "/complaints/track/", {"number": feedback.tracking_number, "secret": "9087"}
    )
    unknown = client.post("/complaints/track/", {"number": "F209901019999", "secret": "9087"})
    assert wrong.status_code == unknown.status_code == 200
    assert "result" not in wrong.context and wrong.context["not_found"]
    assert _normalised(wrong, feedback.tracking_number) == _normalised(unknown, "F209901019999")
    assert "9087" not in wrong.content.decode()


def test_track_throttled(center, client_for):
    feedback = submit(center.center, phone="13812345678").feedback
    client = client_for(center.center)
    for _ in range(throttle.TRACK_IP_LIMIT):
        client.post("/complaints/track/", {"number": feedback.tracking_number, "secret": "0000"})
    response = client.post(
        "/complaints/track/", {"number": feedback.tracking_number, "secret": "5678"}
    )
    assert response.status_code == 429 and "result" not in response.context
    # Failed guesses from many addresses stop at the per-number limit too.
    for n in range(throttle.TRACK_FAILURE_LIMIT - throttle.TRACK_IP_LIMIT):
        client_for(center.center, REMOTE_ADDR=f"10.0.1.{n}").post(
            "/complaints/track/", {"number": feedback.tracking_number, "secret": "0000"}
        )
    response = client_for(center.center, REMOTE_ADDR="10.0.2.1").post(
        "/complaints/track/", {"number": feedback.tracking_number, "secret": "5678"}
    )
    assert response.status_code == 429


def test_another_center_domain_never_finds_it(center, client_for, other_township):
    result = submit(center.center, text="咨询")
    response = client_for(other_township).post(
        "/complaints/track/",
        {"number": result.feedback.tracking_number, "secret": result.access_code},
    )
    assert response.status_code == 200 and response.context["not_found"]
    # And a submission on the other domain lands in the other center only.
    assert client_for(other_township).post("/complaints/", _form()).status_code == 302
    with schema_context(center.center.schema_name):
        assert Feedback.objects.count() == 1
    with schema_context(other_township.schema_name):
        assert Feedback.objects.count() == 1
