"""Appointments (预约) at a window for a matter. The slots themselves are not stored: they are
the center's opening hours cut into SLOT_MINUTES pieces on working days (see selectors.py).
Capacity is checked in services.py under a lock on the window row.

Booking numbers carry a random part (drawn in services.py), so nobody can walk them; the resident
ID number is kept only as a keyed hash (cityplatform.pii.lookup_hash), for the city's limit of
open bookings per person."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AppointmentState(models.TextChoices):
    BOOKED = "booked", _("已预约 (booked)")
    CANCELLED = "cancelled", _("已取消 (cancelled)")
    ATTENDED = "attended", _("已到场 (attended)")
    NO_SHOW = "no_show", _("未到场 (no show)")


class Appointment(models.Model):
    number = models.CharField(_("booking number"), max_length=16, unique=True)
    matter = models.ForeignKey(
        "catalog.LocalMatter",
        on_delete=models.PROTECT,
        related_name="appointments",
        verbose_name=_("matter"),
    )
    window = models.ForeignKey(
        "workspace.Window",
        on_delete=models.PROTECT,
        related_name="appointments",
        verbose_name=_("window"),
    )
    date = models.DateField(_("date"))
    start = models.TimeField(_("start"))
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=20)
    # The keyed hash of the resident ID number (never the number): open bookings per person.
    id_number_hash = models.CharField(
        _("resident ID number (keyed hash)"), max_length=64, blank=True, editable=False
    )
    state = models.CharField(
        _("state"), max_length=20, choices=AppointmentState.choices, default=AppointmentState.BOOKED
    )
    created_at = models.DateTimeField(_("booked at"), auto_now_add=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    reminder_sent_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)
    marked_by = models.CharField(_("marked by"), max_length=150, blank=True)

    class Meta:
        ordering = ["date", "start", "window__number", "number"]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        indexes = [
            models.Index(fields=["date", "window", "start"]),
            models.Index(fields=["phone", "date"], name="appointment_phone_date"),
            models.Index(fields=["id_number_hash", "date"], name="appointment_id_hash_date"),
        ]

    def __str__(self) -> str:
        return self.number
