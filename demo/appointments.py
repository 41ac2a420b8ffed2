"""Demo appointments of one center (inside its schema, after its workspace and catalog): the
next free slots of a matter some window handles, booked by residents. Idempotent."""

from django.utils import timezone

from centers.appointments import selectors, services
from centers.appointments.models import Appointment
from centers.workspace.models import Window

RESIDENTS = [
    ("王秀兰", "13700001111", "110105198001010016"),
    ("李建国", "13700002222", "110105197506150028"),
    ("赵丽", "13700003333", "310104199003030032"),
]


def seed_center(center) -> list[Appointment]:
    if Appointment.objects.exists():
        return []
    window = Window.objects.filter(matters__isnull=False).order_by("number").first()
    if window is None:
        return []
    matter = window.matters.order_by("code").first()
    slots = selectors.next_free_slots(matter, timezone.now(), count=len(RESIDENTS))
    return [
        services.appointment_book(
            matter=matter,
            window=slot["window"],
            date=slot["date"],
            start=slot["start"],
            name=name,
            phone=phone,
            id_number=id_number,
        )
        for slot, (name, phone, id_number) in zip(slots, RESIDENTS, strict=False)
    ]
