"""Public progress lookup: the selector (public, masked data only) and the page on each
center's domain (match, wrong pair answered like an unknown receipt, throttles, isolation)."""

import re

import pytest
from django_tenants.utils import schema_context

from .conftest import PERSON_ID, at

pytestmark = pytest.mark.django_db

PHONE = "13812345678"


def _case(desk, **kwargs):
    from centers.cases import services

    intake = services.Intake(
        matter=desk.matter,
        applicant=desk.applicant(phone=PHONE),
        window=desk.window,
        owner=desk.clerk,
        materials=kwargs.pop("materials", desk.received()),
        **kwargs,
    )
    with schema_context(desk.center.schema_name):
        return services.case_intake(actor=desk.clerk, intake=intake, now=at("2026-03-10"))


def _supplement_case(desk):
    from centers.cases.services import Outcome

    return _case(
        desk,
        outcome=Outcome.SUPPLEMENT,
        materials=[
            {"name": "居民身份证", "state": "missing"},
            {"name": "申请表", "state": "defective", "note": "缺少申请人签名"},
        ],
    )


def _post(client, receipt, last4, **extra):
    return client.post("/progress/", {"receipt": receipt, "phone_last4": last4}, **extra)


def _normalised(response, *values) -> str:
    """The page without its per-response CSRF token and without the values the user typed."""
    text = response.content.decode()
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)
    text = re.sub(r'nonce="[^"]+"', "", text)  # a fresh CSP nonce in every response
    for value in values:
        text = text.replace(value, "…")
    return text


# --- selector -----------------------------------------------------------------------------------


def test_lookup_returns_public_masked_data(desk, media_root):
    from centers.cases.progress import progress_lookup

    case = _case(desk)
    with schema_context(desk.center.schema_name):
        result = progress_lookup(case.receipt_number, "5678")
        assert progress_lookup(f" {case.receipt_number} ", "5678") == result

    assert result["receipt_number"] == case.receipt_number
    assert result["matter_name"] == "事项TS-001"
    assert result["applicant"] == "张*"
    assert result["status"] == "accepted"
    assert result["status_label"] == "办理中"
    assert result["due_date"] == case.due_date
    assert result["accepted_on"].isoformat() == "2026-03-10"
    assert [(s["code"], s["label"]) for s in result["steps"]] == [(1, "已接件"), (3, "已受理")]
    assert all(s["date"].isoformat() == "2026-03-10" for s in result["steps"])
    assert result["missing"] == []
    flat = repr(result)
    for private in ("张三", PHONE, PERSON_ID, "clerk1", "综合窗口"):
        assert private not in flat


def test_lookup_wrong_digits_and_unknown_receipt_are_both_none(desk, media_root):
    from centers.cases.progress import progress_lookup

    case = _case(desk)
    with schema_context(desk.center.schema_name):
        assert progress_lookup(case.receipt_number, "0000") is None
        assert progress_lookup("2026031099999", "5678") is None
        assert progress_lookup(case.receipt_number, "567") is None
        assert progress_lookup(case.receipt_number, "") is None
        assert progress_lookup("", "5678") is None


def test_lookup_lists_what_is_missing_during_supplement(desk, media_root):
    from centers.cases.progress import progress_lookup

    case = _supplement_case(desk)
    with schema_context(desk.center.schema_name):
        result = progress_lookup(case.receipt_number, "5678")
    assert result["status_label"] == "待补正材料"
    assert [(m["name"], m["state"], m["note"]) for m in result["missing"]] == [
        ("居民身份证", "missing", ""),
        ("申请表", "defective", "缺少申请人签名"),
    ]
    assert [s["code"] for s in result["steps"]] == [1, 6]


def test_lookup_hides_internal_steps_and_free_text(desk, media_root):
    from centers.cases import services
    from centers.cases.progress import progress_lookup

    case = _case(desk)
    with schema_context(desk.center.schema_name):
        services.case_reassign(
            actor=desk.director,
            case=case,
            owner=desk.clerk_b,
            reason="王某请假",
            now=at("2026-03-11"),
        )
        services.case_extend(
            actor=desk.director,
            case=case,
            days=3,
            reason="需要现场核实李某材料",
            approver_name="张主任",
            approver_post="中心主任",
            now=at("2026-03-12"),
        )
        result = progress_lookup(case.receipt_number, "5678")
    assert [s["action"] for s in result["steps"]] == ["receive", "accept", "extend"]
    flat = repr(result)
    assert "王某" not in flat and "李某" not in flat and "clerk2" not in flat


# --- page ---------------------------------------------------------------------------------------


def test_page_get_prefills_the_receipt(desk, client_for):
    response = client_for(desk.center).get("/progress/?receipt=2026031000001")
    assert response.status_code == 200
    assert 'value="2026031000001"' in response.content.decode()
    assert 'name="phone_last4"' in response.content.decode()
    assert response["Cache-Control"].startswith("max-age=0")


def test_page_shows_the_case_on_a_match(desk, media_root, client_for):
    case = _case(desk)
    response = _post(client_for(desk.center), case.receipt_number, "5678")
    assert response.status_code == 200
    text = response.content.decode()
    assert 'id="progress-result"' in text
    assert case.receipt_number in text
    assert "事项TS-001" in text
    assert "张*" in text
    assert "办理中" in text
    assert "已接件" in text and "已受理" in text
    assert case.due_date.isoformat() in text
    for private in ("张三", PHONE, PERSON_ID, "clerk1"):
        assert private not in text


def test_page_shows_missing_materials(desk, media_root, client_for):
    case = _supplement_case(desk)
    text = _post(client_for(desk.center), case.receipt_number, "5678").content.decode()
    assert 'id="progress-missing"' in text
    assert "居民身份证" in text and "缺少申请人签名" in text
    assert "待补正材料" in text


def test_wrong_digits_answer_exactly_like_an_unknown_receipt(desk, media_root, client_for):
    case = _case(desk)
    client = client_for(desk.center)
    unknown_receipt = case.receipt_number[:-5] + "99999"
    wrong = _post(client, case.receipt_number, "0000")
    unknown = _post(client, unknown_receipt, "5678")
    assert wrong.status_code == unknown.status_code == 200
    assert 'id="progress-not-found"' in wrong.content.decode()
    assert _normalised(wrong, case.receipt_number) == _normalised(unknown, unknown_receipt)
    # The digits typed are never echoed back.
    assert 'value="0000"' not in wrong.content.decode()


def test_invalid_digits_are_a_form_error(desk, client_for):
    response = _post(client_for(desk.center), "2026031000001", "12a4")
    assert response.status_code == 200
    text = response.content.decode()
    assert 'class="errorlist"' in text
    assert 'id="progress-result"' not in text


def test_lookups_are_throttled_per_client_address(desk, media_root, client_for):
    from centers.cases.progress import IP_LIMIT

    case = _case(desk)
    client = client_for(desk.center, REMOTE_ADDR="203.0.113.7")
    for n in range(IP_LIMIT):
        # Different receipts, so only the address limit is in play.
        assert _post(client, f"20260310{n:05d}", "0000").status_code == 200
    refused = _post(client, case.receipt_number, "5678")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    text = refused.content.decode()
    assert 'id="progress-throttled"' in text
    assert 'id="progress-result"' not in text
    # Another address is not affected.
    other = client_for(desk.center, REMOTE_ADDR="203.0.113.8")
    assert _post(other, case.receipt_number, "5678").status_code == 200


def test_a_client_sent_forwarded_for_does_not_escape_the_throttle(desk, client_for):
    from centers.cases.progress import IP_LIMIT

    client = client_for(desk.center, REMOTE_ADDR="203.0.113.9")
    for n in range(IP_LIMIT):
        _post(client, f"20260310{n:05d}", "0000", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    response = _post(client, "2026031000001", "0000", HTTP_X_FORWARDED_FOR="198.51.100.200")
    assert response.status_code == 429


def test_failed_lookups_are_throttled_per_receipt(desk, media_root, client_for):
    from centers.cases.progress import RECEIPT_FAILURE_LIMIT

    case = _case(desk)
    for n in range(RECEIPT_FAILURE_LIMIT):
        # Guesses from many addresses: each address stays under its own limit.
        client = client_for(desk.center, REMOTE_ADDR=f"198.51.100.{n + 1}")
        assert _post(client, case.receipt_number, f"{n:04d}").status_code == 200
    # Now even the right digits wait: the guessing is stopped for this receipt.
    fresh = client_for(desk.center, REMOTE_ADDR="192.0.2.1")
    assert _post(fresh, case.receipt_number, "5678").status_code == 429
    # An unknown receipt is throttled the same way, so the throttle tells nothing either.
    unknown = case.receipt_number[:-5] + "99999"
    for n in range(RECEIPT_FAILURE_LIMIT):
        client = client_for(desk.center, REMOTE_ADDR=f"198.51.101.{n + 1}")
        assert _post(client, unknown, f"{n:04d}").status_code == 200
    assert _post(fresh, unknown, "5678").status_code == 429


def test_a_resident_who_knows_the_digits_is_not_counted_against_the_receipt(
    desk, media_root, client_for
):
    from centers.cases.progress import RECEIPT_FAILURE_LIMIT

    case = _case(desk)
    for n in range(RECEIPT_FAILURE_LIMIT + 2):
        client = client_for(desk.center, REMOTE_ADDR=f"198.51.100.{n + 1}")
        assert _post(client, case.receipt_number, "5678").status_code == 200


def test_another_centers_receipt_is_not_found(
    desk, media_root, client_for, other_township, make_user
):
    """A receipt of township A looked up on township B's domain: not found, like any other."""
    from centers.cases.progress import progress_lookup

    case = _case(desk)
    response = _post(client_for(other_township), case.receipt_number, "5678")
    assert response.status_code == 200
    text = response.content.decode()
    assert 'id="progress-not-found"' in text
    assert "事项TS-001" not in text
    with schema_context(other_township.schema_name):
        assert progress_lookup(case.receipt_number, "5678") is None
    # And the page does not exist on the city's own domain.
    from django.test import Client

    assert Client(HTTP_HOST="localhost").get("/progress/").status_code == 404
