import datetime

import pytest
from django_tenants.utils import schema_context

from tests.centers.cases.conftest import desk  # noqa: F401

WEEK_HOURS = [
    *((d, datetime.time(9), datetime.time(12)) for d in range(5)),
    *((d, datetime.time(13, 30), datetime.time(17)) for d in range(5)),
]


@pytest.fixture
def hall(desk):  # noqa: F811
    """The desk with Monday-Friday opening hours 9:00-12:00 and 13:30-17:00."""
    from centers.workspace.services import opening_hours_set

    with schema_context(desk.center.schema_name):
        opening_hours_set(actor=desk.director, intervals=WEEK_HOURS)
    return desk
