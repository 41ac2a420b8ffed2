"""Cases of the township's desk at each point: received, accepted, closed, and online."""

import pytest
from django_tenants.utils import schema_context

from tests.centers.cases.conftest import at, desk  # noqa: F401

PHONE = "13812345678"


def make_case(desk, *, outcome="accept", channel="window", close=False):  # noqa: F811
    from centers.cases import services

    intake = services.Intake(
        matter=desk.matter,
        applicant=desk.applicant(phone=PHONE),
        window=desk.window,
        owner=desk.clerk,
        materials=desk.received(),
        outcome=outcome,
        channel=channel,
    )
    with schema_context(desk.center.schema_name):
        case = services.case_intake(actor=desk.clerk, intake=intake, now=at("2026-03-10"))
        if close:
            services.case_close(
                actor=desk.clerk,
                case=case,
                decision="approved",
                handover="window",
                now=at("2026-03-11"),
            )
        case.refresh_from_db()
        return case


@pytest.fixture
def cases(desk):  # noqa: F811
    from centers.cases.services import Outcome

    return {
        "received": make_case(desk, outcome=Outcome.RECEIVE),
        "accepted": make_case(desk),
        "closed": make_case(desk, close=True),
    }
