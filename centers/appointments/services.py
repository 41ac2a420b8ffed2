"""Booking, cancelling and marking appointments, and sending their reminders. Capacity is
counted under a lock on the window row, so two residents can never take the last place of a
slot at the same time."""

from __future__ import annotations

import datetime
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from centers.cases.services import PHONE_RE
from centers.workspace import selectors as ws
from centers.workspace.models import Window
from cityplatform.sms import SmsError, send_sms
from tenants.accounts.permissions import Capability, can

from . import selectors
from .models import Appointment, AppointmentCounter, AppointmentState

logger = logging.getLogger(__name__)

NAME_MAX_LENGTH = 50
MARKABLE = (AppointmentState.ATTENDED, AppointmentState.NO_SHOW)


def _number(day: datetime.date) -> str:
    """A + YYYYMMDD + a four-digit sequence of the day, atomically (one statement)."""
    return f"A{day:%Y%m%d}{AppointmentCounter.take(day):04d}"


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
    now: datetime.datetime | None = None,
) -> Appointment:
    """Book one place at `start` on `date` for `matter` (at `window`, or the first window
    serving the matter with room). A slot in the past, outside the hours, on a day the center
    is closed, or full is refused with the next three free slots."""
    now = now or timezone.now()
    name = (name or "").strip()
    phone = (phone or "").strip().replace(" ", "")
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Please enter your name.")]
    elif len(name) > NAME_MAX_LENGTH:
        errors["name"] = [_("The name is too long.")]
    if not PHONE_RE.match(phone):
        errors["phone"] = [_("Please enter a valid phone number.")]
    if errors:
        raise ValidationError(errors)

    windows = selectors.windows_for(matter)
    if window is not None and window not in windows:
        raise ValidationError({"window": [_("This window does not handle the matter.")]})
    tz = timezone.get_current_timezone()
    slot_at = datetime.datetime.combine(date, start, tzinfo=tz)
    later = max(now, slot_at)

    def refuse(field: str, message: str):
        raise SlotRefused(field, message, selectors.next_free_slots(matter, later))

    if slot_at <= now:
        refuse("start", _("This time has passed."))
    if not ws.hours_for_day(date):
        refuse("date", _("The center is closed on this day."))
    if start not in selectors.day_slots(date):
        refuse("start", _("This time is outside the opening hours."))
    candidates = [window] if window is not None else windows
    candidates = [w for w in candidates if ws.window_open_on(w, date)]
    if not candidates:
        refuse("window", _("The window does not serve on this day."))

    capacity = selectors.slot_capacity()
    with transaction.atomic():
        for candidate in candidates:
            Window.objects.select_for_update().get(pk=candidate.pk)
            taken = Appointment.objects.filter(
                window=candidate,
                date=date,
                start=start,
                state__in=[AppointmentState.BOOKED, AppointmentState.ATTENDED],
            ).count()
            if taken < capacity:
                return Appointment.objects.create(
                    number=_number(date),
                    matter=matter,
                    window=candidate,
                    date=date,
                    start=start,
                    name=name,
                    phone=phone,
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
