"""Personal information at rest and in sight (issue 14): ID numbers encrypted in every table and
payload that holds them, with a keyed hash for lookups; AES-256-GCM or SM4-GCM; key rotation by
rotate_pii_key; full ID numbers and phones only for the roles that handle cases, each full view
an audit entry listed in /admin/audit/; other centers and anonymous callers get nothing."""

import importlib
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django_tenants.utils import schema_context

from centers.cases import personal_data, selectors, services
from centers.cases.models import Case
from centers.cases.services import Intake
from cityplatform import pii
from tenants.accounts.models import Role
from tenants.audit.models import Action, AuditEntry
from tenants.exchange.models import ExchangeMessage
from tests.centers.cases.conftest import ORG_CODE, PERSON_ID, Desk, login
from tests.centers.cases.test_referrals import Sides, referral_message

pytestmark = pytest.mark.django_db

PHONE = "13812345678"
KEY_A = "key-a-for-tests-0123456789abcdef0123456789"
KEY_B = "key-b-for-tests-fedcba9876543210fedcba9876"
API = "/api/v1/cases/{}/personal-data/"
DESK = "/admin/cases/{}/"
REVEAL = "/admin/cases/{}/personal-data/"


@pytest.fixture
def desk(township, make_user, media_root):
    return Desk(township, make_user)


@pytest.fixture
def clerk(desk, client_for):
    return login(client_for(desk.center), "clerk1")


@pytest.fixture
def director(desk, client_for):
    return login(client_for(desk.center), "director1")


def make_case(desk, **applicant) -> Case:
    with schema_context(desk.center.schema_name):
        return services.case_intake(
            actor=desk.clerk,
            intake=Intake(
                matter=desk.matter,
                applicant=desk.applicant(**applicant),
                materials=desk.received(),
                window=desk.window,
            ),
        )


def stored(center, receipt: str) -> tuple[str, str]:
    """The ID number column and its hash as the database holds them."""
    with schema_context(center.schema_name), connection.cursor() as cursor:
        cursor.execute(
            "SELECT applicant_id_number, applicant_id_hash FROM cases_case "
            "WHERE receipt_number = %s",
            [receipt],
        )
        return cursor.fetchone()


def reads(receipt: str) -> list[tuple[str, str]]:
    return list(
        AuditEntry.objects.filter(action=Action.PERSONAL_DATA_READ, detail__receipt=receipt)
        .order_by("pk")
        .values_list("actor_username", "detail__what")
    )


# --- the cipher ---------------------------------------------------------------------------------


@pytest.mark.parametrize("cipher", ["aes", "sm4"])
def test_round_trip_in_each_cipher_with_a_fresh_nonce_each_time(settings, cipher):
    settings.PII_CIPHER = cipher
    first, second = pii.encrypt(PERSON_ID), pii.encrypt(PERSON_ID)
    assert first != second  # each value its own nonce: equal IDs do not show as equal tokens
    assert first.startswith(f"pii1:{cipher}:{pii.key_id(settings.PII_ENCRYPTION_KEYS[0])}:")
    assert PERSON_ID not in first and "002X" not in first
    assert pii.decrypt(first) == pii.decrypt(second) == PERSON_ID
    assert pii.encrypt("") == "" and pii.decrypt("") == ""


def test_sm4_and_aes_tokens_both_decrypt_whatever_the_current_cipher(settings):
    settings.PII_CIPHER = "sm4"
    sm4 = pii.encrypt(ORG_CODE)
    settings.PII_CIPHER = "aes"
    assert pii.decrypt(sm4) == ORG_CODE
    assert pii.needs_rotation(sm4) and not pii.needs_rotation(pii.encrypt(ORG_CODE))


def test_a_tampered_token_or_an_unknown_key_is_refused_with_a_clear_error(settings):
    token = pii.encrypt(PERSON_ID)
    head, body = token.rsplit(":", 1)
    flipped = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]
    with pytest.raises(pii.PIIError, match="integrity"):
        pii.decrypt(f"{head}:{flipped}")
    # The header is authenticated too: another cipher name does not open the same bytes.
    with pytest.raises(pii.PIIError):
        pii.decrypt(token.replace(":aes:", ":sm4:", 1))
    settings.PII_ENCRYPTION_KEYS = [KEY_B]
    with pytest.raises(pii.PIIError, match="no longer lists"):
        pii.decrypt(token)
    with pytest.raises(pii.PIIError, match="Not an encrypted"):
        pii.decrypt("110105194912310021")


def test_bad_settings_are_named(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.PII_CIPHER = "des"
    with pytest.raises(ImproperlyConfigured, match="PII_CIPHER"):
        pii.encrypt(PERSON_ID)
    settings.PII_CIPHER = "aes"
    settings.PII_ENCRYPTION_KEYS = ["short"]
    with pytest.raises(ImproperlyConfigured, match="at least 32"):
        pii.encrypt(PERSON_ID)
    settings.PII_HASH_KEY = ""
    with pytest.raises(ImproperlyConfigured, match="PII_HASH_KEY"):
        pii.lookup_hash(PERSON_ID)


def test_lookup_hash_is_keyed_and_normalised(settings):
    digest = pii.lookup_hash(PERSON_ID)
    assert len(digest) == 64 and PERSON_ID not in digest
    assert pii.lookup_hash(" 11010519491231002x ") == digest  # the check character either case
    assert pii.lookup_hash("") == ""
    settings.PII_HASH_KEY = KEY_B
    assert pii.lookup_hash(PERSON_ID) != digest


# --- at rest -------------------------------------------------------------------------------------


def test_a_case_stores_a_token_and_the_hash_and_reads_back_the_number(desk):
    case = make_case(desk)
    token, digest = stored(desk.center, case.receipt_number)
    assert pii.is_token(token) and PERSON_ID not in token
    assert digest == pii.lookup_hash(PERSON_ID)
    with schema_context(desk.center.schema_name):
        again = Case.objects.get(pk=case.pk)
        assert again.applicant_id_number == PERSON_ID
        assert again.applicant_id_masked == "1101**********002X"
        # Lookups go through the hash; the encrypted column refuses to be filtered on.
        assert list(personal_data.cases_with_id_number(PERSON_ID.lower())) == [again]
        assert not personal_data.cases_with_id_number(ORG_CODE).exists()
        with pytest.raises(pii.PIIError, match="lookup hash"):
            list(Case.objects.filter(applicant_id_number=PERSON_ID))
        found = selectors.cases_filtered(selectors.CaseFilters(query=PERSON_ID))
        assert list(found) == [again]


def test_the_data_migration_encrypts_existing_plain_rows_and_is_idempotent(desk):
    case = make_case(desk)
    other = make_case(desk, kind="organisation", name="某某科技有限公司", id_number=ORG_CODE)
    migration = importlib.import_module("centers.cases.migrations.0010_applicant_id_encrypted")
    with schema_context(desk.center.schema_name):
        with connection.cursor() as cursor:  # as the rows were before the migration
            cursor.execute(
                "UPDATE cases_case SET applicant_id_number = CASE id WHEN %s THEN %s ELSE %s END,"
                " applicant_id_hash = ''",
                [case.pk, PERSON_ID, ORG_CODE],
            )
        migration.encrypt_existing(None, None)
        assert pii.reencrypt_table(
            table="cases_case", column="applicant_id_number", hash_column="applicant_id_hash"
        ) == (2, 0)
    for row, number in ((case, PERSON_ID), (other, ORG_CODE)):
        token, digest = stored(desk.center, row.receipt_number)
        assert pii.decrypt(token) == number and digest == pii.lookup_hash(number)


def test_rotation_re_encrypts_every_schema_and_then_the_old_key_can_go(
    desk, make_center, make_user, settings
):
    settings.PII_ENCRYPTION_KEYS = [KEY_A]
    first = make_case(desk)
    second_center = make_center("hushitai", kind="street", code="210113002000", parent="shenbei")
    second_desk = Desk(second_center, make_user)
    second = make_case(second_desk, id_number=ORG_CODE, kind="organisation", name="某某公司")
    old_token = stored(desk.center, first.receipt_number)[0]
    assert f":{pii.key_id(KEY_A)}:" in old_token

    # A new key first, the old one still listed: everything still reads.
    settings.PII_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    with schema_context(desk.center.schema_name):
        assert Case.objects.get(pk=first.pk).applicant_id_number == PERSON_ID
    out = io.StringIO()
    call_command("rotate_pii_key", "--check", stdout=out)
    assert f"{desk.center.schema_name} cases.Case.applicant_id_number: 1 to re-encrypt" in (
        out.getvalue()
    )
    out = io.StringIO()
    call_command("rotate_pii_key", "--batch-size", "1", stdout=out)
    text = out.getvalue()
    assert f"{desk.center.schema_name} cases.Case.applicant_id_number: 1 read, 1 re-encrypted" in (
        text
    )
    assert (
        f"{second_center.schema_name} cases.Case.applicant_id_number: 1 read, 1 re-encrypted"
        in (text)
    )
    for center, row in ((desk.center, first), (second_center, second)):
        token = stored(center, row.receipt_number)[0]
        assert f":{pii.key_id(KEY_B)}:" in token and token != old_token

    # A second run changes nothing; the old key can now be dropped.
    out = io.StringIO()
    call_command("rotate_pii_key", stdout=out)
    assert "total:" in out.getvalue() and ", 0 re-encrypted" in out.getvalue().splitlines()[-1]
    settings.PII_ENCRYPTION_KEYS = [KEY_B]
    with schema_context(desk.center.schema_name):
        assert Case.objects.get(pk=first.pk).applicant_id_number == PERSON_ID
    with schema_context(second_center.schema_name):
        assert Case.objects.get(pk=second.pk).applicant_id_number == ORG_CODE


def test_rotation_to_sm4_and_a_new_hash_key(desk, settings):
    case = make_case(desk)
    settings.PII_CIPHER = "sm4"
    settings.PII_HASH_KEY = KEY_B
    call_command("rotate_pii_key", stdout=io.StringIO())
    token, digest = stored(desk.center, case.receipt_number)
    assert token.startswith("pii1:sm4:") and digest == pii.lookup_hash(PERSON_ID)
    with schema_context(desk.center.schema_name):
        assert personal_data.cases_with_id_number(PERSON_ID).get().pk == case.pk


# --- the exchange ----------------------------------------------------------------------------


def test_a_referral_carries_the_id_and_phone_encrypted_and_the_district_reads_them(
    desk, district, make_user, media_root, settings
):
    from tenants.exchange import services as exchange

    sides = Sides(desk, district, make_user)
    sides.adopt()
    case = sides.refer(sides.report_case(scan=False))
    message = referral_message(case)
    applicant = ExchangeMessage.objects.get(pk=message.pk).payload["applicant"]
    assert pii.is_token(applicant["id_number"]) and pii.is_token(applicant["phone"])
    assert PERSON_ID not in str(message.payload) and PHONE not in str(message.payload)

    # Rotated while it waits, then delivered: the district's case holds the real number.
    settings.PII_ENCRYPTION_KEYS = [KEY_B, *settings.PII_ENCRYPTION_KEYS]
    out = io.StringIO()
    call_command("rotate_pii_key", stdout=out)
    assert "exchange payloads: 1 read, 1 re-encrypted" in out.getvalue()
    message.refresh_from_db()
    assert f":{pii.key_id(KEY_B)}:" in message.payload["applicant"]["id_number"]
    exchange.message_deliver(message.pk)
    d_case = sides.district_case(case.referral_key)
    with sides.in_district():
        d_case = Case.objects.get(pk=d_case.pk)
        assert (d_case.applicant_id_number, d_case.applicant_phone) == (PERSON_ID, PHONE)
        assert d_case.applicant_id_hash == pii.lookup_hash(PERSON_ID)


# --- who sees the full values ----------------------------------------------------------------


def test_the_case_page_masks_and_an_audited_post_shows_them_once(desk, clerk):
    case = make_case(desk)
    page = clerk.get(DESK.format(case.receipt_number)).content.decode()
    assert "1101**********002X" in page and "138****5678" in page
    assert PERSON_ID not in page and PHONE not in page
    assert 'data-action="reveal-personal-data"' in page
    assert reads(case.receipt_number) == []

    response = clerk.post(REVEAL.format(case.receipt_number))
    assert response.status_code == 302 and response["Location"] == DESK.format(case.receipt_number)
    assert reads(case.receipt_number) == [("clerk1", "id_number"), ("clerk1", "phone")]
    entry = AuditEntry.objects.filter(action=Action.PERSONAL_DATA_READ).latest("pk")
    assert entry.schema_name == desk.center.schema_name and entry.actor_role == Role.WINDOW_STAFF
    assert entry.object_repr == f"{case.receipt_number} (phone)"

    page = clerk.get(DESK.format(case.receipt_number)).content.decode()
    assert PERSON_ID in page and PHONE in page
    page = clerk.get(DESK.format(case.receipt_number)).content.decode()  # once only
    assert PERSON_ID not in page and PHONE not in page
    # GET never reveals.
    assert clerk.get(REVEAL.format(case.receipt_number)).status_code == 405


def test_the_reveal_refuses_other_roles_other_centers_and_anonymous_callers(
    desk, other_township, make_user, client_for
):
    case = make_case(desk)
    make_user(other_township, "other-director", Role.CENTER_DIRECTOR)
    agent = login(client_for(desk.center), "agent1")
    other = login(client_for(other_township), "other-director")
    anonymous = client_for(desk.center)
    expected = {  # (desk, API)
        "agent": (agent, {302, 403}, {403}),  # Wagtail sends a refused user home
        "other center": (other, {404}, {404}),
        "anonymous": (anonymous, {302}, {401, 403}),
    }
    for who, (client, desk_codes, api_codes) in expected.items():
        for url, codes in (
            (REVEAL.format(case.receipt_number), desk_codes),
            (API.format(case.receipt_number), api_codes),
        ):
            response = client.post(url)
            assert response.status_code in codes, (who, url, response.status_code)
            body = response.content.decode()
            assert PERSON_ID not in body and PHONE not in body
    assert reads(case.receipt_number) == []


def test_the_api_masks_the_case_and_the_personal_data_endpoint_is_audited(desk, clerk, director):
    case = make_case(desk)
    detail = clerk.get(f"/api/v1/cases/{case.receipt_number}/").json()
    assert detail["applicant"]["id_number"] == "1101**********002X"
    assert detail["applicant"]["phone"] == "138****5678"
    assert PERSON_ID not in str(detail) and PHONE not in str(detail)
    assert reads(case.receipt_number) == []

    response = director.post(API.format(case.receipt_number))
    assert response.status_code == 200
    assert response.json() == {
        "receipt_number": case.receipt_number,
        "id_number": PERSON_ID,
        "phone": PHONE,
    }
    assert reads(case.receipt_number) == [("director1", "id_number"), ("director1", "phone")]
    assert clerk.get(API.format(case.receipt_number)).status_code == 405
    assert clerk.post(API.format("20991231000001")).status_code == 404


def test_a_role_without_the_right_is_refused_by_the_service_and_nothing_is_recorded(desk):
    from django.core.exceptions import PermissionDenied
    from django.test import RequestFactory

    case = make_case(desk)
    request = RequestFactory().post("/")
    request.user = desk.agent
    with schema_context(desk.center.schema_name), pytest.raises(PermissionDenied):
        personal_data.case_personal_data_reveal(request, case)
    assert reads(case.receipt_number) == []


def test_the_reads_are_listed_in_the_audit_log_with_their_own_filter(desk, clerk, director):
    case = make_case(desk)
    clerk.post(REVEAL.format(case.receipt_number))
    page = director.get("/admin/audit/", {"action": Action.PERSONAL_DATA_READ}).content.decode()
    assert f"{case.receipt_number} (phone)" in page and "clerk1" in page
    assert 'value="personal_data_read"' in page
    page = director.get("/admin/audit/", {"action": Action.LOGIN}).content.decode()
    assert f"{case.receipt_number} (phone)" not in page


@override_settings(PII_CIPHER="sm4")
def test_intake_under_sm4_round_trips_through_the_desk(desk, clerk):
    case = make_case(desk)
    assert stored(desk.center, case.receipt_number)[0].startswith("pii1:sm4:")
    clerk.post(REVEAL.format(case.receipt_number))
    assert PERSON_ID in clerk.get(DESK.format(case.receipt_number)).content.decode()


def test_the_system_check_names_bad_personal_data_settings(settings):
    from tenants.audit.checks import personal_data_keys_check

    assert personal_data_keys_check(None) == []
    settings.PII_ENCRYPTION_KEYS = ["too-short"]
    (error,) = personal_data_keys_check(None)
    assert error.id == "audit.E002" and "at least 32" in error.msg
