"""Booking within open hours and capacity, refusals with the next free slots, cancelling by
the phone's last four digits, staff marking and the one-time reminder."""

import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_tenants.utils import schema_context

from centers.appointments import selectors, services
from centers.appointments.models import Appointment, AppointmentState
from centers.appointments.tasks import appointment_reminders_send
from cityplatform.sms import ConsoleBackend
from tests.centers.cases.conftest import PERSON_ID, at

pytestmark = pytest.mark.django_db

T10 = datetime.time(10)
NOW = at("2026-12-01", 8)  # a Tuesday morning
WED = datetime.date(2026, 12, 2)


def book(hall, day=WED, start=T10, now=NOW, **extra):
    return services.appointment_book(
        matter=hall.matter,
        date=day,
        start=start,
        name=extra.pop("name", "李四"),
        phone=extra.pop("phone", "13812345678"),
        id_number=extra.pop("id_number", PERSON_ID),
        now=now,
        **extra,
    )


def test_book_and_capacity_full_refused_with_next_free_slots(hall):
    with schema_context(hall.center.schema_name):
        first = book(hall)
        assert re.fullmatch(r"A261202[2-9A-HJKMNP-Z]{6}", first.number)
        assert first.window == hall.window and first.state == AppointmentState.BOOKED
        assert book(hall).number != first.number
        with pytest.raises(services.SlotRefused) as refused:
            book(hall)
        assert refused.value.message_dict["start"]
        nxt = refused.value.next_slots
        assert [(s["date"], s["start"]) for s in nxt] == [
            (WED, datetime.time(10, 30)),
            (WED, datetime.time(11)),
            (WED, datetime.time(11, 30)),
        ]
        assert "10:30" in refused.value.messages[0]
        assert Appointment.objects.count() == 2
        slots = selectors.free_slots(hall.matter, WED, now=NOW)
        assert T10 not in [s["start"] for s in slots]
        assert len(slots) == 12  # 6 morning + 7 afternoon slots, less the full one
        # A cancelled place is free again.
        services.appointment_cancel(appointment=first, phone_last4="5678")
        assert book(hall).state == AppointmentState.BOOKED


@pytest.mark.parametrize(
    "day, start, now, field",
    [
        (WED, datetime.time(12), NOW, "start"),  # lunch break
        (WED, datetime.time(8, 30), NOW, "start"),  # before opening
        (WED, datetime.time(16, 45), NOW, "start"),  # the slot would end after closing
        (datetime.date(2026, 12, 5), T10, NOW, "date"),  # Saturday
        (datetime.date(2026, 10, 1), T10, at("2026-09-28", 8), "date"),  # National Day
        (datetime.date(2026, 12, 1), datetime.time(9), NOW.replace(hour=9, minute=5), "start"),
    ],
)
def test_refused_outside_hours_weekend_holiday_and_past(hall, day, start, now, field):
    with schema_context(hall.center.schema_name):
        with pytest.raises(services.SlotRefused) as refused:
            book(hall, day=day, start=start, now=now)
        assert field in refused.value.message_dict
        assert len(refused.value.next_slots) == 3
        first = refused.value.next_slots[0]
        assert datetime.datetime.combine(first["date"], first["start"], tzinfo=now.tzinfo) > now
        assert not Appointment.objects.exists()


def test_holiday_week_next_slots_skip_the_holidays(hall):
    with schema_context(hall.center.schema_name):
        nxt = selectors.next_free_slots(hall.matter, at("2026-09-30", 18))
        assert nxt[0]["date"] > datetime.date(2026, 10, 7)


def test_bad_name_and_phone_refused(hall):
    with schema_context(hall.center.schema_name):
        with pytest.raises(ValidationError) as refused:
            book(hall, name=" ", phone="123")
        assert set(refused.value.message_dict) == {"name", "phone"}


def test_window_that_does_not_list_the_matter_refused(hall):
    from centers.workspace.models import Window

    with schema_context(hall.center.schema_name):
        other = Window.objects.create(number=2, name="社保窗口", kind="independent")
        other.matters.add(hall.matter)
        assert selectors.windows_for(hall.matter) == [other]
        with pytest.raises(ValidationError):
            book(hall, window=hall.window)
        assert book(hall).window == other


def test_cancel_needs_the_right_phone_digits(hall):
    with schema_context(hall.center.schema_name):
        appointment = book(hall)
        for wrong in ("0000", "567", ""):
            with pytest.raises(ValidationError) as refused:
                services.appointment_cancel(appointment=appointment, phone_last4=wrong)
        wrong_pair = refused.value.messages
        with pytest.raises(ValidationError) as unknown:
            services.appointment_cancel(appointment=None, phone_last4="5678")
        assert unknown.value.messages == wrong_pair
        assert selectors.appointment_find(appointment.number, "0000") is None
        assert selectors.appointment_find(appointment.number.lower(), "5678") == appointment
        cancelled = services.appointment_cancel(appointment=appointment, phone_last4="5678")
        assert cancelled.state == AppointmentState.CANCELLED and cancelled.cancelled_at
        with pytest.raises(ValidationError):
            services.appointment_cancel(appointment=cancelled, phone_last4="5678")


def test_staff_marking(hall):
    with schema_context(hall.center.schema_name):
        appointment = book(hall)
        with pytest.raises(PermissionDenied):
            services.appointment_mark(
                actor=hall.agent, appointment=appointment, state=AppointmentState.ATTENDED
            )
        with pytest.raises(ValidationError):
            services.appointment_mark(
                actor=hall.clerk, appointment=appointment, state=AppointmentState.CANCELLED
            )
        marked = services.appointment_mark(
            actor=hall.clerk, appointment=appointment, state=AppointmentState.NO_SHOW
        )
        assert marked.state == AppointmentState.NO_SHOW and marked.marked_by == "clerk1"
        other = book(hall, start=datetime.time(11))
        services.appointment_cancel(appointment=other, phone_last4="5678")
        with pytest.raises(ValidationError):
            services.appointment_mark(
                actor=hall.clerk, appointment=other, state=AppointmentState.ATTENDED
            )


def test_reminder_sent_once_the_day_before(hall, monkeypatch):
    with schema_context(hall.center.schema_name):
        tomorrow = book(hall)
        later = book(hall, day=datetime.date(2026, 12, 3))
        cancelled = book(hall, start=datetime.time(11), phone="13900001111")
        services.appointment_cancel(appointment=cancelled, phone_last4="1111")
        ConsoleBackend.outbox.clear()
        monkeypatch.setattr("django.utils.timezone.now", lambda: at("2026-12-01", 10))
        assert appointment_reminders_send() == 1
        assert appointment_reminders_send() == 0
        assert len(ConsoleBackend.outbox) == 1
        message = ConsoleBackend.outbox[0]
        assert message.phone == "13812345678" and tomorrow.number in message.text
        tomorrow.refresh_from_db()
        later.refresh_from_db()
        assert tomorrow.reminder_sent_at is not None and later.reminder_sent_at is None


def test_dispatch_spreads_one_task_per_center_in_the_day(hall, monkeypatch):
    from centers.appointments import tasks

    calls = []
    monkeypatch.setattr(
        tasks.appointment_reminders_send, "apply_async", lambda **kw: calls.append(kw)
    )
    monkeypatch.setattr("django.utils.timezone.now", lambda: at("2026-12-01", 3))
    assert tasks.dispatch_appointment_reminders() == 0 and calls == []
    monkeypatch.setattr("django.utils.timezone.now", lambda: at("2026-12-01", 10))
    count = tasks.dispatch_appointment_reminders()
    assert count >= 1 and len(calls) == count
    assert all(0 <= call["countdown"] < tasks.REMINDER_SPREAD_SECONDS for call in calls)
