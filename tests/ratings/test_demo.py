"""The demo ratings and appointments of `make run`: made through the real services, once."""

import datetime

from django_tenants.utils import schema_context

from centers.appointments.models import Appointment
from centers.ratings.models import Rating
from centers.workspace import services as workspace
from demo import appointments as appointments_demo
from demo import ratings as ratings_demo

from .conftest import make_case


def test_demo_ratings_and_appointments(desk):
    for _ in range(6):
        make_case(desk, close=True)
    with schema_context(desk.center.schema_name):
        workspace.opening_hours_set(
            actor=None,
            intervals=[(d, datetime.time(8, 30), datetime.time(17)) for d in range(5)],
        )
        workspace.window_matters_set(actor=None, window=desk.window, matters=[desk.matter])
        ratings = ratings_demo.seed_center(desk.center)
        assert ratings_demo.seed_center(desk.center) == []
        assert Rating.objects.count() == 6
        assert Rating.objects.filter(level__gte=4).exclude(reasons="").count() == 1
        assert ratings[0].additions.count() == 1
        booked = appointments_demo.seed_center(desk.center)
        assert appointments_demo.seed_center(desk.center) == []
        assert len(booked) == 3 and Appointment.objects.filter(state="booked").count() == 3
