import pytest
from django_tenants.utils import schema_context

from tenants import services
from tenants.accounts.models import User
from tenants.models import CenterAuditEvent, CenterStatus

pytestmark = pytest.mark.django_db


def test_suspended_center_answers_503_with_a_clear_page(township, client_for):
    assert client_for(township).get("/").status_code == 200
    services.center_suspend(center=township, actor="test", reason="整改")
    response = client_for(township).get("/")
    assert response.status_code == 503
    body = response.content.decode()
    assert "暂停" in body or "suspended" in body
    assert "清水台镇政务服务中心" in body
    assert client_for(township).get("/admin/").status_code == 503
    services.center_resume(center=township, actor="test")
    assert client_for(township).get("/").status_code == 200
    actions = list(
        CenterAuditEvent.objects.filter(center=township).values_list("action", flat=True)
    )
    assert {"created", "suspended", "active"} <= set(actions)


def test_suspension_is_seen_through_the_domain_cache(township, client_for):
    client_for(township).get("/")  # caches the domain lookup
    services.center_suspend(center=township, actor="test")
    assert client_for(township).get("/").status_code == 503


def test_archiving_keeps_all_data(township, client_for):
    services.center_archive(center=township, actor="test")
    township.refresh_from_db()
    assert township.status == CenterStatus.ARCHIVED
    assert client_for(township).get("/").status_code == 410
    with schema_context(township.schema_name):
        assert User.objects.filter(username="admin").exists()
    with pytest.raises(Exception):  # noqa: B017 - ValidationError: archived stays archived
        services.center_resume(center=township, actor="test")


def test_the_city_cannot_be_suspended(city):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.center_suspend(center=city, actor="test")
