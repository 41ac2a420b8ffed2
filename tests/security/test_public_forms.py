"""Public forms that a bot cannot abuse (issue 14): an IPv6 /64 walk meets one limit; a bot's
booking past the city's limit per phone and per ID number is refused with nothing saved; a
sequential cancel walk finds nothing and is locked out, and guessing the phone digits of one
booking locks that booking; an SMS flood meets one daily cap across two forms, and with Redis
down those forms refuse while reads stay open; scans with JavaScript, embedded files or broken
structure are refused, images come out without EXIF, GPS or trailing bytes; an application's
total size and the center's daily anonymous quota hold. The city's policy screen is the city
editor's alone."""

import datetime
import io
import re
import uuid

import pytest
import redis
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tenants.utils import schema_context
from PIL import Image
from pypdf import PdfWriter
from pypdf.actions import JavaScript
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from catalog_cms.standards import services as standards_services
from catalog_cms.standards.models import AppointmentPolicy, StandardsAuditEvent
from centers.appointments import selectors as appointment_selectors
from centers.appointments import services as appointment_services
from centers.appointments.models import Appointment, AppointmentState
from centers.cases import files
from centers.cases.models import Case, CaseFile
from centers.cases.services import Intake, case_intake
from centers.feedback.models import Feedback
from cityplatform import ratelimit
from tenants.accounts.models import Role
from tenants.accounts.reauth import REAUTH_KEY
from tests.appointments.conftest import hall  # noqa: F401
from tests.browser import pdf_bytes
from tests.centers.cases.conftest import PERSON_ID, desk, login, make_matter  # noqa: F401

pytestmark = pytest.mark.django_db

PHONE = "13812345678"
# Valid resident ID numbers (python-stdnum check digits), one per "person" a bot invents.
IDS = ["110105198001010016", "110105197506150028", "310104199003030032", "11010519651212004X"]
MSG_CAP = "limit of text messages from our online forms"
MSG_DOWN = "cannot send text messages right now"


@pytest.fixture(autouse=True)
def _english():
    """The messages are read in English here (the pages ask for it; zh_Hans is the default)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def client_for():
    """A test client of a center's (or the city's) domain that asks for English pages."""
    from django.test import Client

    from tests.conftest import host

    def make(center, **kwargs):
        return Client(HTTP_HOST=host(center), HTTP_ACCEPT_LANGUAGE="en", **kwargs)

    return make


def v6(prefix: str, host: int) -> str:
    return f"{prefix}:{host:x}:{host * 7 % 65536:x}:{host * 13 % 65536:x}:1"


# --- one helper: IPv4 as is, IPv6 by /64 ------------------------------------------------------


def test_client_bucket_groups_ipv6_by_64():
    assert ratelimit.address_bucket("203.0.113.9") == "203.0.113.9"
    assert ratelimit.address_bucket("::ffff:203.0.113.9") == "203.0.113.9"
    assert ratelimit.address_bucket("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64"
    assert ratelimit.address_bucket("2001:db8:1:2:ffff:ffff:ffff:ffff") == "2001:db8:1:2::/64"
    assert ratelimit.address_bucket("2001:db8:1:3::1") == "2001:db8:1:3::/64"
    assert ratelimit.address_bucket("fe80::1%eth0") == "fe80::/64"
    assert ratelimit.address_bucket("") == ""  # django-axes stores it: never a non-address


def test_an_ipv6_64_walk_meets_one_limit(desk, client_for):  # noqa: F811
    """The progress lookup allows IP_LIMIT lookups a minute per address: a bot walking the
    addresses of its /64 gets no more; another /64 is not affected."""
    from centers.cases.progress import IP_LIMIT

    client = client_for(desk.center)

    def lookup(address: str, sequence: int):
        data = {"receipt": f"X2026010100{sequence:04d}", "phone_last4": "1234"}
        return client.post("/progress/", data, REMOTE_ADDR=address)

    for host in range(IP_LIMIT):
        assert lookup(v6("2001:db8:aa:1", host + 1), host).status_code == 200
    walked = lookup(v6("2001:db8:aa:1", 999), 999)
    assert walked.status_code == 429 and walked["Retry-After"]
    assert lookup("2001:db8:aa:1::ffff", 998).status_code == 429
    assert lookup(v6("2001:db8:aa:2", 1), 997).status_code == 200


def test_an_ipv6_64_walk_meets_the_appointment_limit(hall, client_for, monkeypatch):  # noqa: F811
    monkeypatch.setattr("portal.appointments.POST_LIMIT", 3)
    client = client_for(hall.center)
    data = {"number": "A2612070000", "phone_last4": "1234"}
    codes = [
        client.post("/appointments/cancel/", data, REMOTE_ADDR=v6("2001:db8:bb:1", h)).status_code
        for h in range(1, 6)
    ]
    assert codes == [400, 400, 400, 429, 429]
    other = client.post("/appointments/cancel/", data, REMOTE_ADDR=v6("2001:db8:bb:2", 1))
    assert other.status_code == 400


def test_an_ipv6_64_walk_meets_one_login_lockout(township, make_user, client_for):
    """django-axes locks an (address, browser) pair after AXES_FAILURE_LIMIT failures: guessing
    many usernames from the addresses of one /64 meets that lockout too."""
    from django.conf import settings

    from tests.conftest import PASSWORD

    make_user(township, "clerk7", Role.WINDOW_STAFF)
    client = client_for(township, HTTP_USER_AGENT="sprayer/1.0")
    for host in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            "/admin/login/",
            {"username": f"guess{host}", "password": "Wrong-pass-2026!"},
            REMOTE_ADDR=v6("2001:db8:cc:1", host + 1),
        )
    login_data = {"username": "clerk7", "password": PASSWORD}
    locked = client.post("/admin/login/", login_data, REMOTE_ADDR=v6("2001:db8:cc:1", 77))
    assert locked.status_code == 429
    other = client.post("/admin/login/", login_data, REMOTE_ADDR=v6("2001:db8:cc:2", 1))
    assert other.status_code == 302


# --- appointments: open bookings per phone and per ID, horizon, numbers ------------------------


def _slots(hall, count):  # noqa: F811
    with schema_context(hall.center.schema_name):
        return appointment_selectors.next_free_slots(hall.matter, timezone.now(), count)


def _booking(hall, slot, **extra):  # noqa: F811
    return {
        "matter": hall.matter.code,
        "slot": f"{slot['date']:%Y-%m-%d}|{slot['window'].pk}|{slot['start']:%H:%M}",
        "name": "机器人",
        "phone": PHONE,
        "id_number": IDS[0],
        "website": "",
    } | extra


def _set_policy(city, **values):
    current = {"max_open_per_phone": 3, "max_open_per_id_number": 3, "horizon_days": 30}
    with schema_context("public"):
        return standards_services.appointment_policy_set(actor="test", **(current | values))


def test_a_bots_booking_past_the_phone_limit_is_refused_and_nothing_saved(
    hall,  # noqa: F811
    client_for,
    city,
):
    _set_policy(city, max_open_per_phone=3)
    client = client_for(hall.center)
    slots = _slots(hall, 4)
    for index, slot in enumerate(slots[:3]):
        response = client.post("/appointments/", _booking(hall, slot, id_number=IDS[index]))
        assert response.status_code == 302
    response = client.post("/appointments/", _booking(hall, slots[3], id_number=IDS[3]))
    assert response.status_code == 400
    page = response.content.decode()
    assert "This phone number already holds 3 open appointments" in page
    with schema_context(hall.center.schema_name):
        assert Appointment.objects.count() == 3
        # Cancelling one frees a place for the same phone.
        first = Appointment.objects.order_by("pk").first()
        appointment_services.appointment_cancel(appointment=first, phone_last4=PHONE[-4:])
    response = client.post("/appointments/", _booking(hall, slots[3], id_number=IDS[3]))
    assert response.status_code == 302


def test_one_id_number_with_many_phones_is_refused_too(hall, client_for, city):  # noqa: F811
    _set_policy(city, max_open_per_id_number=2)
    client = client_for(hall.center)
    slots = _slots(hall, 3)
    for index, slot in enumerate(slots[:2]):
        response = client.post("/appointments/", _booking(hall, slot, phone=f"1390000000{index}"))
        assert response.status_code == 302
    response = client.post("/appointments/", _booking(hall, slots[2], phone="13900000009"))
    assert response.status_code == 400
    assert "This resident ID number already holds 2 open appointments" in response.content.decode()
    with schema_context(hall.center.schema_name):
        assert Appointment.objects.count() == 2
        # Only the keyed hash of the number is stored, never the number.
        stored = Appointment.objects.values_list("id_number_hash", flat=True)
        assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in stored)
        row = Appointment.objects.values().first()
        assert IDS[0] not in str(row)


def test_an_invalid_id_number_is_refused(hall):  # noqa: F811
    slot = _slots(hall, 1)[0]
    with schema_context(hall.center.schema_name):
        with pytest.raises(ValidationError) as refused:
            appointment_services.appointment_book(
                matter=hall.matter,
                date=slot["date"],
                start=slot["start"],
                name="张三",
                phone=PHONE,
                id_number="110105198001010017",  # wrong check digit
            )
        assert "id_number" in refused.value.message_dict
        assert not Appointment.objects.exists()


def test_booking_beyond_the_citys_horizon_is_refused(hall, city):  # noqa: F811
    _set_policy(city, horizon_days=7)
    now = timezone.now()
    with schema_context(hall.center.schema_name):
        slots = appointment_selectors.next_free_slots(hall.matter, now, 200)
        last_day = timezone.localdate() + datetime.timedelta(days=7)
        assert slots and all(s["date"] <= last_day for s in slots)
        far = last_day + datetime.timedelta(days=1)
        while far.weekday() >= 5:
            far += datetime.timedelta(days=1)
        with pytest.raises(appointment_services.SlotRefused) as refused:
            appointment_services.appointment_book(
                matter=hall.matter,
                date=far,
                start=datetime.time(10),
                name="张三",
                phone=PHONE,
                id_number=IDS[0],
            )
        assert "at most 7 days ahead" in refused.value.messages[0]
        assert all(s["date"] <= last_day for s in refused.value.next_slots)
        assert not Appointment.objects.exists()


def test_the_booking_page_offers_days_within_the_horizon(hall, client_for, city):  # noqa: F811
    _set_policy(city, horizon_days=5)
    last_day = timezone.localdate() + datetime.timedelta(days=5)
    page = client_for(hall.center).get(f"/appointments/?matter={hall.matter.code}")
    assert f'max="{last_day:%Y-%m-%d}"' in page.content.decode()
    beyond = last_day + datetime.timedelta(days=1)
    page = client_for(hall.center).get(f"/appointments/?matter={hall.matter.code}&day={beyond}")
    assert page.status_code == 200 and not page.context["slots"]
    assert all(s["date"] <= last_day for s in page.context["next_slots"])


def test_a_sequential_cancel_walk_gets_nowhere_and_is_locked_out(hall, client_for):  # noqa: F811
    from portal.appointments import POST_LIMIT

    slot = _slots(hall, 1)[0]
    with schema_context(hall.center.schema_name):
        booked = appointment_services.appointment_book(
            matter=hall.matter,
            date=slot["date"],
            start=slot["start"],
            name="王五",
            phone=PHONE,
            id_number=IDS[0],
        )
    assert re.fullmatch(rf"A{slot['date']:%y%m%d}[2-9A-HJKMNP-Z]{{6}}", booked.number)
    client = client_for(hall.center)
    day = f"A{slot['date']:%y%m%d}"
    codes = []
    for sequence in range(POST_LIMIT + 3):
        for number in (f"{day}{sequence:06d}", f"A{slot['date']:%Y%m%d}{sequence:04d}"):
            response = client.post(
                "/appointments/cancel/",
                {"number": number, "phone_last4": PHONE[-4:]},
                REMOTE_ADDR="198.51.100.7",
            )
            codes.append(response.status_code)
            assert "is cancelled" not in response.content.decode()
    assert set(codes[:POST_LIMIT]) == {400} and set(codes[POST_LIMIT:]) == {429}
    with schema_context(hall.center.schema_name):
        assert Appointment.objects.get(pk=booked.pk).state == AppointmentState.BOOKED


def test_guessing_the_digits_of_one_booking_locks_it(hall, client_for):  # noqa: F811
    from centers.appointments.throttle import CANCEL_FAILURE_LIMIT

    slot = _slots(hall, 1)[0]
    with schema_context(hall.center.schema_name):
        booked = appointment_services.appointment_book(
            matter=hall.matter,
            date=slot["date"],
            start=slot["start"],
            name="王五",
            phone=PHONE,
            id_number=IDS[0],
        )
    client = client_for(hall.center)
    for guess in range(CANCEL_FAILURE_LIMIT):  # from as many addresses as guesses
        response = client.post(
            "/appointments/cancel/",
            {"number": booked.number.lower(), "phone_last4": f"{guess:04d}"},
            REMOTE_ADDR=f"192.0.2.{guess + 1}",
        )
        assert response.status_code == 400
    right = client.post(
        "/appointments/cancel/",
        {"number": booked.number, "phone_last4": PHONE[-4:]},
        REMOTE_ADDR="192.0.2.200",
    )
    assert right.status_code == 429 and right["Retry-After"]
    assert "too many wrong attempts" in right.content.decode()
    with schema_context(hall.center.schema_name):
        assert Appointment.objects.get(pk=booked.pk).state == AppointmentState.BOOKED


def test_booking_numbers_given_out_before_stay_valid(hall, client_for):  # noqa: F811
    slot = _slots(hall, 1)[0]
    with schema_context(hall.center.schema_name):
        old = Appointment.objects.create(
            number=f"A{slot['date']:%Y%m%d}0001",
            matter=hall.matter,
            window=slot["window"],
            date=slot["date"],
            start=slot["start"],
            name="旧号",
            phone=PHONE,
        )
    response = client_for(hall.center).post(
        "/appointments/cancel/", {"number": old.number, "phone_last4": PHONE[-4:]}
    )
    assert response.status_code == 200 and old.number in response.content.decode()
    with schema_context(hall.center.schema_name):
        assert Appointment.objects.get(pk=old.pk).state == AppointmentState.CANCELLED


# --- SMS: one daily cap per phone across the forms, closed without Redis ----------------------


@pytest.fixture
def online(desk):  # noqa: F811
    with schema_context(desk.center.schema_name):
        return make_matter("ON-001", name="网上可办事项", online=True)


def _application(phone=PHONE, **uploads):
    return {
        "applicant_kind": "person",
        "applicant_name": "李四",
        "applicant_id_number": PERSON_ID,
        "applicant_phone": phone,
        "website": "",
        "idempotency_key": str(uuid.uuid4()),
    } | uploads


def _complaint(phone=PHONE):
    return {"kind": "complaint", "text": "窗口排队太久", "name": "李四", "phone": phone}


def test_an_sms_flood_meets_one_cap_across_the_forms(hall, online, client_for, settings):  # noqa: F811
    settings.SMS_PUBLIC_DAILY_CAP = 3
    client = client_for(hall.center)
    slots = _slots(hall, 3)
    assert client.post("/appointments/", _booking(hall, slots[0])).status_code == 302
    assert client.post("/complaints/", _complaint(), REMOTE_ADDR="192.0.2.10").status_code == 302
    response = client.post(
        f"/guides/{online.code}/apply/", _application(), REMOTE_ADDR="192.0.2.11"
    )
    assert response.status_code == 200  # the third message of the day: still under the cap
    # The fourth, on either form, is refused with the reason and saves nothing.
    flood = client.post(
        "/appointments/", _booking(hall, slots[1], id_number=IDS[1]), REMOTE_ADDR="192.0.2.12"
    )
    assert flood.status_code == 400 and MSG_CAP in flood.content.decode()
    flood = client.post("/complaints/", _complaint(), REMOTE_ADDR="192.0.2.13")
    assert MSG_CAP in flood.content.decode()
    flood = client.post(f"/guides/{online.code}/apply/", _application(), REMOTE_ADDR="192.0.2.14")
    assert flood.status_code == 400 and MSG_CAP in flood.content.decode()
    with schema_context(hall.center.schema_name):
        assert Appointment.objects.count() == 1
        assert Feedback.objects.count() == 1
        assert Case.objects.count() == 1
    # Another phone is not affected; the counter is city-wide and keeps no phone number.
    other = client.post(
        "/appointments/",
        _booking(hall, slots[1], phone="13900002222", id_number=IDS[1]),
        REMOTE_ADDR="192.0.2.15",
    )
    assert other.status_code == 302
    assert ratelimit.sms_quota_used(PHONE) == 6
    assert PHONE not in ratelimit.sms_quota_key(PHONE)


@pytest.fixture
def redis_down(monkeypatch):
    """The SMS counter points at a port where nothing listens (Redis "outside the machine"
    is gone); the rest of the cache is left alone."""
    closed = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    monkeypatch.setattr(ratelimit, "_sms_connection", lambda: closed)


def test_with_redis_down_forms_that_text_refuse_and_reads_stay_open(
    hall,  # noqa: F811
    online,
    client_for,
    redis_down,
):
    client = client_for(hall.center)
    slot = _slots(hall, 1)[0]
    response = client.post("/appointments/", _booking(hall, slot))
    assert response.status_code == 400 and MSG_DOWN in response.content.decode()
    response = client.post(f"/guides/{online.code}/apply/", _application())
    assert response.status_code == 400 and MSG_DOWN in response.content.decode()
    response = client.post("/complaints/", _complaint())
    assert MSG_DOWN in response.content.decode()
    with schema_context(hall.center.schema_name):
        assert not Appointment.objects.exists()
        assert not Case.objects.exists()
        assert not Feedback.objects.exists()
    # Reads stay open, and a complaint without a phone sends no message and goes through.
    assert client.get("/appointments/").status_code == 200
    assert client.get("/progress/").status_code == 200
    anonymous = client.post("/complaints/", _complaint(phone=""))
    assert anonymous.status_code == 302


def test_with_redis_down_a_bad_rating_that_brings_a_reply_sms_waits(desk, client_for, redis_down):  # noqa: F811
    """A 差评 opens a rectification whose reply is texted: it needs the SMS counter. A good
    rating texts nobody and goes through."""
    from centers.ratings.models import Rating
    from tests.ratings.conftest import make_case

    case = make_case(desk, close=True)
    client = client_for(desk.center)
    verify = {"action": "verify", "phone_last4": PHONE[-4:], "point": "accepted"}
    assert client.post(f"/rate/{case.receipt_number}/", verify).status_code == 302
    bad = {"action": "rate", "point": "accepted", "level": "5", "reasons": "排队两小时"}
    response = client.post(f"/rate/{case.receipt_number}/", bad)
    assert response.status_code == 200 and MSG_DOWN in response.content.decode()
    with schema_context(desk.center.schema_name):
        assert not Rating.objects.exists()
    good = {"action": "rate", "point": "accepted", "level": "1"}
    assert client.post(f"/rate/{case.receipt_number}/", good).status_code == 302
    with schema_context(desk.center.schema_name):
        assert Rating.objects.get().level == 1


# --- scans ------------------------------------------------------------------------------------


def _pdf(build=None) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    if build:
        build(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _with_javascript(writer):
    writer.add_open_action(JavaScript("app.launchURL('http://example.invalid/', true);"))


def _with_embedded_file(writer):
    writer.add_attachment("payload.exe", b"MZ\x90\x00 not a scan")


def _with_launch(writer):
    writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
        {NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("cmd.exe")}
    )


def _with_page_action(writer):
    page = writer.pages[0]
    page[NameObject("/AA")] = DictionaryObject(
        {NameObject("/O"): DictionaryObject({NameObject("/S"): NameObject("/URI")})}
    )


@pytest.mark.parametrize(
    ("build", "words"),
    [
        (_with_javascript, "JavaScript"),
        (_with_embedded_file, "embedded or attached files"),
        (_with_launch, "starts a program (Launch)"),
        (_with_page_action, "actions that run by themselves"),
    ],
    ids=["javascript", "embedded-file", "launch", "page-action"],
)
def test_a_pdf_with_active_content_is_refused_and_nothing_saved(
    desk,  # noqa: F811
    online,
    client_for,
    build,
    words,
):
    client = client_for(desk.center)
    upload = SimpleUploadedFile("身份证.pdf", _pdf(build), "application/pdf")
    response = client.post(f"/guides/{online.code}/apply/", _application(material_0=upload))
    assert response.status_code == 400
    page = response.content.decode()
    assert words in page and "身份证.pdf" in page
    with schema_context(desk.center.schema_name):
        assert not Case.objects.exists() and not CaseFile.objects.exists()


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", _pdf()[:300], b"%PDF-" + b"\x00" * 500],
    ids=["no-structure", "truncated", "garbage"],
)
def test_a_broken_pdf_is_refused(data):
    upload = SimpleUploadedFile("scan.pdf", data, "application/pdf")
    with pytest.raises(ValidationError) as refused:
        files.check_scan(upload)
    assert "is not a readable PDF" in refused.value.messages[0]


def test_a_clean_pdf_passes_unchanged():
    data = pdf_bytes()
    upload = SimpleUploadedFile("scan.pdf", data, "application/pdf")
    assert files.check_scan(upload) == "application/pdf"
    assert files.cleaned_content(upload, "application/pdf").read() == data


def _photo_with_gps() -> bytes:
    image = Image.new("RGB", (60, 30), "white")
    image.paste((200, 0, 0), (0, 0, 10, 10))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° on display
    exif[0x010F] = "Phone maker"
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 17.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), comment=b"secret comment")
    return out.getvalue() + b"TRAILING-ZIP-PK\x03\x04hidden"


def test_an_image_with_gps_and_trailing_bytes_comes_out_clean(desk, online, client_for):  # noqa: F811
    center = desk.center
    photo = _photo_with_gps()
    assert b"TRAILING" in photo and Image.open(io.BytesIO(photo)).getexif().get(0x8825)
    client = client_for(center)
    upload = SimpleUploadedFile("身份证.jpg", photo, "image/jpeg")
    response = client.post(f"/guides/{online.code}/apply/", _application(material_0=upload))
    assert response.status_code == 200, response.content.decode()[:2000]
    with schema_context(center.schema_name):
        stored = CaseFile.objects.get()
        with stored.file.open("rb") as handle:
            data = handle.read()
    assert stored.size == len(data) and stored.content_type == "image/jpeg"
    assert b"TRAILING" not in data and b"secret comment" not in data and b"Exif" not in data
    clean = Image.open(io.BytesIO(data))
    assert clean.format == "JPEG" and not clean.getexif()
    assert clean.size == (30, 60)  # the orientation is applied, not dropped
    assert clean.getpixel((25, 3))[0] > 150  # the red corner turned with the picture


@pytest.mark.parametrize("fmt", ["PNG", "GIF", "TIFF", "WEBP"])
def test_every_image_format_keeps_its_format(fmt):
    image = Image.new("RGB", (16, 16), "white")
    out = io.BytesIO()
    image.save(out, fmt)
    data = out.getvalue() + b"TRAILING"
    content_type = {"PNG": "image/png", "GIF": "image/gif", "TIFF": "image/tiff"}.get(
        fmt, "image/webp"
    )
    clean = files.image_clean(data, "x", content_type)
    assert Image.open(io.BytesIO(clean)).format == fmt and not clean.endswith(b"TRAILING")


def test_a_broken_image_is_refused():
    upload = SimpleUploadedFile("x.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png")
    with pytest.raises(ValidationError) as refused:
        files.check_scan(upload)
    assert "cannot be read as an image" in refused.value.messages[0]


def test_staff_uploads_get_the_same_checks(desk):  # noqa: F811
    with schema_context(desk.center.schema_name):
        with pytest.raises(ValidationError) as refused:
            case_intake(
                actor=desk.clerk,
                intake=Intake(
                    matter=desk.matter,
                    applicant=desk.applicant(),
                    materials=desk.received(),
                    window=desk.window,
                    uploads=[
                        (
                            SimpleUploadedFile("id.pdf", _pdf(_with_javascript), "application/pdf"),
                            "居民身份证",
                        )
                    ],
                ),
            )
        assert "JavaScript" in refused.value.message_dict["files"][0]
        assert not Case.objects.exists()


def test_an_applications_total_size_is_capped(desk, online, client_for, settings):  # noqa: F811
    center = desk.center
    data = pdf_bytes()
    settings.ONLINE_APPLICATION_MAX_BYTES = len(data) * 2 - 1
    uploads = {
        f"material_{i}": SimpleUploadedFile(f"{i}.pdf", data, "application/pdf") for i in range(2)
    }
    response = client_for(center).post(f"/guides/{online.code}/apply/", _application(**uploads))
    assert response.status_code == 400
    assert "may be at most" in response.content.decode()
    with schema_context(center.schema_name):
        assert not Case.objects.exists() and not CaseFile.objects.exists()


def test_the_centers_daily_anonymous_quota_holds(desk, online, client_for, settings):  # noqa: F811
    center = desk.center
    data = pdf_bytes()
    settings.ONLINE_UPLOAD_DAILY_BYTES = len(data) * 3
    client = client_for(center)

    def send(address):
        uploads = {
            f"material_{i}": SimpleUploadedFile(f"{i}.pdf", data, "application/pdf")
            for i in range(2)
        }
        return client.post(
            f"/guides/{online.code}/apply/",
            _application(phone=f"1390000{address:04d}", **uploads),
            REMOTE_ADDR=f"192.0.2.{address}",
        )

    assert send(1).status_code == 200
    refused = send(2)
    assert refused.status_code == 400
    assert "cannot take more uploaded files online today" in refused.content.decode()
    with schema_context(center.schema_name):
        assert Case.objects.count() == 1 and CaseFile.objects.count() == 2
        assert files.anonymous_bytes_today() == 2 * len(data)


# --- the city's policy screen ----------------------------------------------------------------


def refused(response) -> bool:
    """403/404, or Wagtail's answer to PermissionDenied: back to the dashboard, no page."""
    if response.status_code in (403, 404):
        return True
    return response.status_code == 302 and response["Location"] == "/admin/"


def test_the_policy_screen_is_the_city_editors_and_asks_for_the_password(
    city, city_admin, make_user, client_for, township
):
    admin = login(client_for(city), city_admin.username)
    url = "/admin/standards/appointment-policy/"
    page = admin.get(url)
    assert page.status_code == 200 and "id_max_open_per_phone" in page.content.decode()
    values = {"max_open_per_phone": "2", "max_open_per_id_number": "4", "horizon_days": "14"}
    for bad in ({"max_open_per_phone": "0"}, {"horizon_days": "91"}, {"horizon_days": "x"}):
        assert admin.post(url, values | bad).status_code == 400
    with schema_context("public"):
        assert not AppointmentPolicy.objects.exists()
    session = admin.session
    session[REAUTH_KEY] = 0  # the password was confirmed long ago
    session.save()
    stale = admin.post(url, values)
    assert stale.status_code in (302, 403) and "reauth" in stale.get("Location", "reauth")
    with schema_context("public"):
        assert not AppointmentPolicy.objects.exists()
    admin = login(client_for(city), city_admin.username)
    assert admin.post(url, values).status_code == 302
    with schema_context("public"):
        policy = AppointmentPolicy.objects.get()
        assert (policy.max_open_per_phone, policy.max_open_per_id_number) == (2, 4)
        assert policy.horizon_days == 14 and policy.updated_by == city_admin.username
        event = StandardsAuditEvent.objects.get(action="appointment_policy_set")
        assert event.detail["after"]["horizon_days"] == 14

    supervisor = make_user(
        city, "supervisor1", Role.DISTRICT_SUPERVISOR, district_id=township.parent_id
    )
    assert refused(login(client_for(city), supervisor.username).get(url))
    make_user(township, "director9", Role.CENTER_DIRECTOR)
    director = login(client_for(township), "director9")
    assert refused(director.get(url))
    assert refused(director.post(url, values | {"horizon_days": "1"}))
    anonymous = client_for(city).get(url)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    assert client_for(township).get(url).status_code in (302, 403, 404)
    with schema_context("public"):
        assert AppointmentPolicy.objects.get().horizon_days == 14
