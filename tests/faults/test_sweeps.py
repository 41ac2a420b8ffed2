"""The notification sweep the fault tests rely on (beat re-sends an applicant's SMS whose task
was lost while Redis was down), in-process against the test database."""

import pytest
from django.conf import settings
from django.db import connection
from django_tenants.utils import schema_context

from centers.cases import notifications, services, tasks
from centers.cases.models import Notification
from tests.centers.cases.conftest import Desk

pytestmark = pytest.mark.django_db


def test_beat_sweeps_every_active_center(township, other_township, monkeypatch):
    from tenants.services import center_suspend

    sent = []
    monkeypatch.setattr(
        tasks.notifications_sweep,
        "apply_async",
        lambda **kw: sent.append((connection.schema_name, kw)),
    )
    center_suspend(center=other_township, actor="test")
    assert tasks.dispatch_notification_sweeps() == 2  # the district and the township
    assert sorted(schema for schema, _ in sent) == ["qingshuitai", "shenbei"]
    assert {kw["expires"] for _, kw in sent} == {settings.NOTIFICATION_SWEEP_SECONDS}
    assert len({kw["countdown"] for _, kw in sent}) == 2, "spread over the interval"


def test_the_sweep_is_on_beats_schedule():
    from cityplatform.celery import app

    app.finalize()
    tasks_scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "centers.cases.tasks.dispatch_notification_sweeps" in tasks_scheduled


def test_the_sweep_sends_again_only_what_was_never_tried(
    township, make_user, media_root, monkeypatch
):
    desk = Desk(township, make_user)
    queued = []
    monkeypatch.setattr(tasks.notification_send, "delay", lambda pk: queued.append(pk))
    with schema_context(township.schema_name):
        lost, tried, sent = (
            services.case_intake(
                actor=desk.clerk,
                intake=services.Intake(
                    matter=desk.matter,
                    applicant=desk.applicant(),
                    outcome=services.Outcome.ACCEPT,
                    materials=desk.received(),
                    window=desk.window,
                ),
            ).notifications.get()
            for _ in range(3)
        )
        Notification.objects.filter(pk=tried.pk).update(attempts=1)  # in its retry back-off
        assert notifications.notification_deliver(sent.pk) == "sent"
        assert notifications.notifications_lost() == [lost.pk]
        assert tasks.notifications_sweep() == 1
    assert queued == [lost.pk]
