"""The audit log: append-only, kept at least 180 days, read by the city and, for their own
center only, by each center's director."""

import datetime
import io

import pytest
from django.core.checks import run_checks
from django.db import IntegrityError, InternalError, transaction
from django.utils import timezone
from django_tenants.utils import schema_context
from openpyxl import load_workbook

from tenants.audit.models import Action, AuditEntry
from tenants.audit.services import audit_purge, audit_record, mask_ip

from .conftest import login

pytestmark = pytest.mark.django_db


def _entry_in(center, username, action=Action.EXPORT):
    with schema_context(center.schema_name):
        return audit_record(action=action, username=username, obj=f"object-{username}")


def _old_entry(days: int) -> AuditEntry:
    return AuditEntry.objects.create(
        schema_name="public",
        at=timezone.now() - datetime.timedelta(days=days),
        actor_username=f"old-{days}",
        action=Action.LOGIN,
    )


def test_mask_ip():
    assert mask_ip("10.1.2.3") == "10.1.2.0/24"
    assert mask_ip("2001:db8:1:2::7") == "2001:db8:1::/48"
    assert mask_ip("not an address") == "" and mask_ip(None) == ""


def test_entries_cannot_be_changed_or_removed_while_young(city):
    entry = audit_record(action=Action.LOGIN, username="someone")
    for change in (
        lambda: AuditEntry.objects.filter(pk=entry.pk).update(actor_username="x"),
        lambda: AuditEntry.objects.filter(pk=entry.pk).delete(),
        lambda: _old_entry(179).delete(),
    ):
        with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
            change()
    assert AuditEntry.objects.filter(pk=entry.pk, actor_username="someone").exists()


def test_purge_keeps_the_retention(city, settings):
    settings.AUDIT_RETENTION_DAYS = 400
    keep = [_old_entry(181), _old_entry(399)]
    gone = _old_entry(401)
    assert audit_purge() == 1
    assert not AuditEntry.objects.filter(pk=gone.pk).exists()
    assert AuditEntry.objects.filter(pk__in=[e.pk for e in keep]).count() == 2
    # A setting below 180 days (refused by the system check) still keeps 180 days.
    young = _old_entry(100)
    settings.AUDIT_RETENTION_DAYS = 30
    assert audit_purge() == 2
    assert AuditEntry.objects.filter(pk=young.pk).exists()


def test_system_check_refuses_short_retention(settings):
    settings.AUDIT_RETENTION_DAYS = 90
    assert "audit.E001" in {m.id for m in run_checks()}
    settings.AUDIT_RETENTION_DAYS = 180
    assert "audit.E001" not in {m.id for m in run_checks()}


def test_login_is_audited_with_masked_address(staff, township, client_for):
    login(client_for(township, REMOTE_ADDR="192.168.7.42", HTTP_USER_AGENT="X" * 500), "clerk1")
    entry = AuditEntry.objects.get(action=Action.LOGIN, schema_name=township.schema_name)
    assert entry.center_id == township.pk
    assert entry.actor_username == "clerk1" and entry.actor_role == "window_staff"
    assert entry.ip == "192.168.7.0/24"
    assert len(entry.user_agent) == 200


def test_behind_nginx_the_client_address_is_the_one_nginx_saw(
    staff, township, client_for, settings
):
    """With NUM_PROXIES set, the audit log and the lockout read the address nginx appended,
    never the one the client wrote into X-Forwarded-For."""
    from axes.helpers import get_client_ip_address

    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    client = client_for(township, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 10.1.2.3")
    login(client, "clerk1")
    entry = AuditEntry.objects.get(action=Action.LOGIN, schema_name=township.schema_name)
    assert entry.ip == "10.1.2.0/24"
    request = client.get("/admin/").wsgi_request
    assert get_client_ip_address(request) == "10.1.2.3"


def test_director_sees_own_center_only(
    staff, city, city_admin, township, other_township, client_for
):
    _entry_in(township, "marker-a")
    _entry_in(other_township, "marker-b")
    _entry_in(city, "marker-city")
    director_a = login(client_for(township), "director1")
    page = director_a.get("/admin/audit/").content.decode()
    assert "marker-a" in page
    assert "marker-b" not in page and "marker-city" not in page
    # Asking for another center by filter changes nothing on a center's domain.
    page = director_a.get(f"/admin/audit/?center={other_township.schema_name}").content.decode()
    assert "marker-b" not in page
    content = director_a.get("/admin/audit/export/").content
    rows = [r for r in load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)]
    users = {r[3] for r in rows[1:]}
    assert "marker-a" in users and "marker-b" not in users and "marker-city" not in users
    # The city reads all of them, and can narrow to one center.
    city_client = login(client_for(city), "city-admin")
    page = city_client.get("/admin/audit/").content.decode()
    assert "marker-a" in page and "marker-b" in page and "marker-city" in page
    page = city_client.get(f"/admin/audit/?center={other_township.schema_name}").content.decode()
    assert "marker-b" in page and "marker-a" not in page


def test_window_staff_and_anonymous_are_refused(staff, township, client_for):
    _entry_in(township, "marker-a")
    clerk = login(client_for(township), "clerk1")
    for url in ("/admin/audit/", "/admin/audit/export/"):
        response = clerk.get(url)  # Wagtail turns the refusal into a redirect home
        assert response.status_code == 302 and response["Location"] == "/admin/"
    anonymous = client_for(township)
    for url in ("/admin/audit/", "/admin/audit/export/"):
        response = anonymous.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_filters_and_keyset_pages(city, city_admin, client_for):
    # Exports recorded by tests that commit (another process's backup) stay in the log.
    earlier = AuditEntry.objects.filter(action=Action.EXPORT).count()
    for i in range(60):
        audit_record(action=Action.EXPORT, username=f"user{i:02d}")
    audit_record(action=Action.LOGIN, username="the-login")
    client = login(client_for(city), "city-admin")
    response = client.get("/admin/audit/", {"action": "export"})
    rows = response.context["rows"]
    assert len(rows) == 50 and {r.action for r in rows} == {"export"}
    older = client.get(
        "/admin/audit/", {"action": "export", "before": response.context["next_before"]}
    )
    assert len(older.context["rows"]) == 10 + earlier and older.context["next_before"] is None
    response = client.get("/admin/audit/", {"actor": "the-login"})
    assert [r.actor_username for r in response.context["rows"]] == ["the-login"]
    today = timezone.localdate()
    response = client.get("/admin/audit/", {"start": str(today + datetime.timedelta(days=1))})
    assert list(response.context["rows"]) == []


def test_audit_export_is_itself_audited(city, city_admin, client_for):
    client = login(client_for(city), "city-admin")
    response = client.get("/admin/audit/export/", {"action": "login"})
    assert response.status_code == 200
    entry = AuditEntry.objects.filter(action=Action.EXPORT).latest("id")
    assert entry.actor_username == "city-admin" and entry.detail["what"] == "audit"
    assert entry.detail["action"] == "login"


def test_exports_of_the_center_are_audited(staff, township, client_for, settings):
    director = login(client_for(township), "director1")
    assert director.get("/admin/workspace/export/staff/?format=xlsx").status_code == 200
    assert director.get("/api/v1/staff/export/?format=csv").status_code == 200
    assert director.get("/admin/ledger/export/ledger/").status_code == 200
    assert director.get("/admin/catalog/export/xlsx/").status_code == 200
    assert director.get("/api/v1/catalog/export/?file_format=csv").status_code == 200
    exports = AuditEntry.objects.filter(action=Action.EXPORT, schema_name=township.schema_name)
    assert [e.object_repr for e in exports.order_by("id")][:2] == ["staff", "staff"]
    assert exports.filter(detail__what="export_ledger", actor_username="director1").exists()
    assert exports.filter(object_repr="catalog").count() == 2
    assert exports.count() == 5


def test_city_exports_are_audited(city, city_admin, client_for):
    client = login(client_for(city), "city-admin")
    assert client.get("/admin/standards/templates-export/?file_format=csv").status_code == 200
    assert client.get("/api/v1/matter-templates/export/").status_code == 200
    exports = AuditEntry.objects.filter(action=Action.EXPORT, object_repr="matter-templates")
    assert exports.count() == 2 and {e.schema_name for e in exports} == {"public"}
