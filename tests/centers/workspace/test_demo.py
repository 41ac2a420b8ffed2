from django_tenants.utils import schema_context

from centers.workspace import selectors
from centers.workspace.models import (
    Attendance,
    Department,
    DutyShift,
    Post,
    ServicePoint,
    Window,
    WorkspaceAuditEvent,
)  # fmt: skip
from demo.workspace import seed_center
from tenants.accounts.models import Role


def test_seed_center_is_idempotent_and_flags_the_small_township(township, make_user):
    make_user(township, "window1", Role.WINDOW_STAFF)
    make_user(township, "window2", Role.WINDOW_STAFF)
    make_user(township, "agent1", Role.VILLAGE_AGENT)
    with schema_context(township.schema_name):
        seed_center(township)
        counts = (Window.objects.count(), Department.objects.count(), Post.objects.count())
        events = WorkspaceAuditEvent.objects.count()
        seed_center(township)
        assert (Window.objects.count(), Department.objects.count(), Post.objects.count()) == counts
        assert WorkspaceAuditEvent.objects.count() == events
        assert 3 <= counts[0] <= 5 and 4 <= counts[1] <= 6
        assert set(Window.objects.values_list("kind", flat=True)) == {
            "independent",
            "combined",
            "periodic",
        }
        assert DutyShift.objects.exists() and Attendance.objects.exists()
        assert ServicePoint.objects.get().agents.get().username == "agent1"
        compliance = selectors.profile_compliance(township)
        assert compliance["checks"]["floor_area"]["ok"] is False
        assert compliance["checks"]["weekly_open_hours"]["value"] == 37.5
