"""Booking, cancelling and marking appointments, and sending their reminders. Capacity is
counted under a lock on the window row, so two residents can never take the last place of a
slot at the same time. The city's policy (catalog_cms.standards.AppointmentPolicy) caps the
open bookings of one phone number and of one resident ID number, counted under a lock on each,
and sets how far ahead residents may book; every booking counts against the phone's daily SMS
cap of the public forms (it brings a reminder)."""

from __future__ import annotations

import datetime
import logging
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn import ric

from catalog_cms.standards.selectors import appointment_policy
from centers.cases.services import PHONE_RE
from centers.workspace import selectors as ws
from centers.workspace.models import Window
from cityplatform import pii, ratelimit
from cityplatform.sms import SmsError, send_sms
from tenants.accounts.permissions import Capability, can

from . import selectors
from .models import Appointment, AppointmentState

logger = logging.getLogger(__name__)

NAME_MAX_LENGTH = 50
MARKABLE = (AppointmentState.ATTENDED, AppointmentState.NO_SHOW)
# Booking numbers: A, the day (YYMMDD) and a random part read off a screen and typed again by
# older people (no 0/O, 1/I/L), so 31^6 (about 887 million) numbers a day: not walkable.
NUMBER_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
NUMBER_RANDOM_LENGTH = 6
NUMBER_ATTEMPTS = 5


def _number(day: datetime.date) -> str:
    """A + YYMMDD + six random characters, unused so far (the unique key is the last guard).
    Numbers given out before (A + YYYYMMDD + a four-digit sequence) stay valid."""
    for _attempt in range(NUMBER_ATTEMPTS):
        random_part = "".join(secrets.choice(NUMBER_ALPHABET) for _i in range(NUMBER_RANDOM_LENGTH))
        number = f"A{day:%y%m%d}{random_part}"
        if not Appointment.objects.filter(number=number).exists():
            return number
    raise RuntimeError("no free booking number after several random draws")


def _lock(kind: str, value: str) -> None:
    """A transaction-scoped lock on one phone number or ID hash in this schema, so two
    bookings at once cannot both pass the count of open bookings."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext(%s))",
            [f"appointments:{connection.schema_name}:{kind}:{value}"],
        )


def _open_bookings(today: datetime.date, **match) -> int:
    return Appointment.objects.filter(
        state=AppointmentState.BOOKED, date__gte=today, **match
    ).count()


def _slots_text(slots: list[dict]) -> str:
    if not slots:
        return _("There is no free slot in the coming weeks.")
    listed = "; ".join(
        f"{s['date']:%Y-%m-%d} {s['start']:%H:%M}-{s['end']:%H:%M} {s['window']}" for s in slots
    )
    return _("Next free slots: %(slots)s") % {"slots": listed}


class SlotRefused(ValidationError):
    """A refused slot; `next_slots` holds the next free ones for the page to offer."""

    def __init__(self, field: str, message: str, next_slots: list[dict]):
        super().__init__({field: [f"{message} {_slots_text(next_slots)}"]})
        self.next_slots = next_slots


def appointment_book(
    *,
    matter,
    window: Window | None = None,
    date: datetime.date,
    start: datetime.time,
    name: str,
    phone: str,
    id_number: str,
    now: datetime.datetime | None = None,
) -> Appointment:
    """Book one place at `start` on `date` for `matter` (at `window`, or the first window
    serving the matter with room). A slot in the past, beyond the city's horizon, outside the
    hours, on a day the center is closed, or full is refused with the next three free slots;
    a phone number or ID number that already holds the city's number of open bookings, or a
    phone number over its day's SMS cap, is refused and nothing is saved."""
    now = now or timezone.now()
    name = (name or "").strip()
    phone = (phone or "").strip().replace(" ", "")
    id_number = (id_number or "").strip().upper().replace(" ", "")
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Please enter your name.")]
    elif len(name) > NAME_MAX_LENGTH:
        errors["name"] = [_("The name is too long.")]
    if not PHONE_RE.match(phone):
        errors["phone"] = [_("Please enter a valid phone number.")]
    if not ric.is_valid(id_number):
        errors["id_number"] = [
            _(
                "Please enter a valid resident ID number (居民身份证号, 18 characters); "
                "check the digits."
            )
        ]
    if errors:
        raise ValidationError(errors)

    policy = appointment_policy()
    windows = selectors.windows_for(matter)
    if window is not None and window not in windows:
        raise ValidationError({"window": [_("This window does not handle the matter.")]})
    tz = timezone.get_current_timezone()
    slot_at = datetime.datetime.combine(date, start, tzinfo=tz)
    later = max(now, slot_at)
    today = timezone.localtime(now).date()
    last_day = selectors.horizon_last_day(today, policy)

    def refuse(field: str, message: str, after: datetime.datetime = later):
        raise SlotRefused(field, message, selectors.next_free_slots(matter, after))

    if slot_at <= now:
        refuse("start", _("This time has passed."))
    if date > last_day:
        refuse(
            "date",
            _("Appointments can be made at most %(days)s days ahead (until %(day)s).")
            % {"days": policy.horizon_days, "day": f"{last_day:%Y-%m-%d}"},
            after=now,
        )
    if not ws.hours_for_day(date):
        refuse("date", _("The center is closed on this day."))
    if start not in selectors.day_slots(date):
        refuse("start", _("This time is outside the opening hours."))
    candidates = [window] if window is not None else windows
    candidates = [w for w in candidates if ws.window_open_on(w, date)]
    if not candidates:
        refuse("window", _("The window does not serve on this day."))

    id_hash = pii.lookup_hash(id_number)
    capacity = selectors.slot_capacity()
    with transaction.atomic():
        _lock("phone", phone)
        _lock("id", id_hash)
        limits = (
            ("phone", {"phone": phone}, policy.max_open_per_phone),
            ("id_number", {"id_number_hash": id_hash}, policy.max_open_per_id_number),
        )
        for field, match, limit in limits:
            if _open_bookings(today, **match) >= limit:
                message = (
                    _(
                        "This phone number already holds %(limit)s open appointments, the most "
                        "the city allows. Cancel one with its booking number before booking "
                        "another."
                    )
                    if field == "phone"
                    else _(
                        "This resident ID number already holds %(limit)s open appointments, "
                        "the most the city allows. Cancel one with its booking number before "
                        "booking another."
                    )
                )
                raise ValidationError({field: [message % {"limit": limit}]})
        for candidate in candidates:
            Window.objects.select_for_update().get(pk=candidate.pk)
            taken = Appointment.objects.filter(
                window=candidate,
                date=date,
                start=start,
                state__in=[AppointmentState.BOOKED, AppointmentState.ATTENDED],
            ).count()
            if taken < capacity:
                # The reminder texts this number: it counts against the day's SMS cap.
                ratelimit.sms_quota_require(phone, field="phone")
                return Appointment.objects.create(
                    number=_number(date),
                    matter=matter,
                    window=candidate,
                    date=date,
                    start=start,
                    name=name,
                    phone=phone,
                    id_number_hash=id_hash,
                )
    refuse("start", _("This time is fully booked."))


def appointment_cancel(*, appointment: Appointment | None, phone_last4: str, now=None):
    """The resident cancels a booked appointment with the phone's last four digits. A wrong
    pair is refused exactly like an unknown booking number."""
    digits = (phone_last4 or "").strip()
    unknown = ValidationError(
        {"number": [_("No appointment matches this booking number and phone.")]}
    )
    if appointment is None or len(digits) != 4 or not appointment.phone.endswith(digits):
        raise unknown
    with transaction.atomic():
        locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if locked.state != AppointmentState.BOOKED:
            raise ValidationError({"number": [_("This appointment can no longer be cancelled.")]})
        locked.state = AppointmentState.CANCELLED
        locked.cancelled_at = now or timezone.now()
        locked.save(update_fields=["state", "cancelled_at"])
    return locked


def may_mark(user) -> bool:
    return can(user, Capability.HANDLE_CASES)


def appointment_mark(*, actor, appointment: Appointment, state: str) -> Appointment:
    """Staff record that the resident came (attended) or did not (no_show)."""
    if not may_mark(actor):
        raise PermissionDenied
    if state not in MARKABLE:
        raise ValidationError({"state": [_("Choose attended or no show.")]})
    with transaction.atomic():
        locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if locked.state == AppointmentState.CANCELLED:
            raise ValidationError({"state": [_("This appointment was cancelled.")]})
        locked.state = state
        locked.marked_by = actor.get_username()
        locked.save(update_fields=["state", "marked_by"])
    return locked


def reminders_send(now: datetime.datetime | None = None) -> int:
    """Send one SMS reminder for each of tomorrow's booked appointments, once each."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    sent = 0
    for pk in selectors.reminders_due(today).values_list("pk", flat=True):
        with transaction.atomic():
            appointment = (
                Appointment.objects.select_for_update(skip_locked=True)
                .select_related("matter", "window")
                .filter(pk=pk, reminder_sent_at__isnull=True, state=AppointmentState.BOOKED)
                .first()
            )
            if appointment is None:
                continue
            text = _(
                "Reminder: your appointment %(number)s for %(matter)s is tomorrow %(date)s at "
                "%(time)s, window %(window)s. To cancel, use the center's portal."
            ) % {
                "number": appointment.number,
                "matter": appointment.matter.name,
                "date": f"{appointment.date:%Y-%m-%d}",
                "time": f"{appointment.start:%H:%M}",
                "window": str(appointment.window),
            }
            try:
                send_sms(appointment.phone, text)
            except SmsError:
                logger.warning("appointment reminder %s not sent", appointment.number)
                continue
            appointment.reminder_sent_at = now
            appointment.save(update_fields=["reminder_sent_at"])
            sent += 1
    return sent
