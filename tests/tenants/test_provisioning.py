import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.utils import translation
from django_tenants.utils import schema_context, schema_exists

from tenants import services
from tenants.accounts.models import Role, User
from tenants.migration_executor import expected_migrations
from tenants.models import Center, CenterAuditEvent, Domain, SpareSchema

pytestmark = pytest.mark.django_db


def test_center_gets_schema_domain_site_home_page_and_admin(district):
    from wagtail.models import Site

    from portal.models import CenterHomePage

    assert district.schema_name == "shenbei"
    assert schema_exists("shenbei")
    assert Domain.objects.get(tenant=district).domain == "shenbei.localhost"
    with schema_context("shenbei"):
        site = Site.objects.get()
        assert site.hostname == "shenbei.localhost"
        assert site.is_default_site
        assert isinstance(site.root_page.specific, CenterHomePage)
        assert site.root_page.title == "沈北新区政务服务中心"
        admin = User.objects.get(username="admin")
        assert admin.role == Role.CENTER_DIRECTOR
        assert not admin.is_superuser
    assert CenterAuditEvent.objects.filter(center=district, action="created").exists()


def test_fast_path_takes_a_spare_schema(make_center):
    spares_before = set(SpareSchema.objects.values_list("schema_name", flat=True))
    assert spares_before, "the test setup keeps a spare pool"
    make_center("shenbei", kind="district", code="210113000000")
    spares_after = set(SpareSchema.objects.values_list("schema_name", flat=True))
    taken = spares_before - spares_after
    assert len(taken) == 1
    assert not schema_exists(taken.pop()), "the spare was renamed to the center's schema"


def test_clone_fallback_when_the_pool_is_empty(make_center):
    SpareSchema.objects.all().delete()  # rolled back with the test; the schemas stay
    center = make_center("shenbei", kind="district", code="210113000000")
    assert schema_exists(center.schema_name)
    with schema_context(center.schema_name):
        assert User.objects.filter(username="admin").exists()


def test_stale_spare_is_dropped_not_used(make_center):
    spare = SpareSchema.objects.order_by("pk").first()
    with connection.cursor() as cursor:
        table = f'"{spare.schema_name}".django_migrations'
        cursor.execute(f"DELETE FROM {table} WHERE id IN (SELECT max(id) FROM {table})")
    center = make_center("shenbei", kind="district", code="210113000000")
    assert not schema_exists(spare.schema_name)
    assert_has_every_migration(center.schema_name)


def assert_has_every_migration(schema_name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT app, name FROM "{schema_name}".django_migrations')
        applied = set(cursor.fetchall())
        assert expected_migrations() <= applied
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            [schema_name],
        )
        tables = {row[0] for row in cursor.fetchall()}
    tenant_labels = {app.split(".")[-1] for app in settings.TENANT_APPS} | {"accounts", "health"}
    for model in apps.get_models():
        meta = model._meta
        if meta.app_label in tenant_labels and meta.managed and not meta.proxy:
            assert model._meta.db_table in tables, model._meta.db_table


def test_template_is_fresh_and_new_center_has_every_migrations_tables(district):
    assert_has_every_migration(settings.TENANT_BASE_SCHEMA)
    assert_has_every_migration(district.schema_name)


def test_migrate_schemas_includes_the_template(capsys):
    call_command("migrate_schemas", tenant=True, interactive=False, verbosity=1)
    assert "already up to date, skipped" in capsys.readouterr().out


def test_failure_halfway_leaves_nothing_behind(district, monkeypatch):
    spares = SpareSchema.objects.count()

    def explode(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("tenants.accounts.services.staff_user_create", explode)
    with pytest.raises(RuntimeError):
        services.center_create(
            kind="township", division_code="210113105000", name="清水台镇",
            slug="qingshuitai", parent_slug="shenbei", admin_password="Test-pass-2026!",
        )  # fmt: skip
    assert not Center.objects.filter(slug="qingshuitai").exists()
    assert not Domain.objects.filter(domain="qingshuitai.localhost").exists()
    assert not schema_exists("qingshuitai")
    assert SpareSchema.objects.count() == spares


@pytest.mark.parametrize(
    ("fields", "bad_field"),
    [
        ({"division_code": "21011310500"}, "division_code"),
        ({"division_code": "2101131050AB"}, "division_code"),
        ({"division_code": "210199105000"}, "division_code"),  # not under its district
        ({"division_code": "210113000000"}, "division_code"),  # township part zero
        ({"division_code": "210113105001"}, "division_code"),  # village-level code
        ({"parent_slug": None}, "parent"),
        ({"parent_slug": "nowhere"}, "parent"),
        ({"slug": "Qing Shui"}, "slug"),
        ({"slug": "public"}, "slug"),
        ({"kind": "village"}, "kind"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_input_names_the_field_and_creates_nothing(district, fields, bad_field):
    data = {
        "kind": "township", "division_code": "210113105000", "name": "清水台镇",
        "slug": "qingshuitai", "parent_slug": "shenbei",
    } | fields  # fmt: skip
    before = Center.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.center_create(**data)
    assert bad_field in exc.value.message_dict
    assert Center.objects.count() == before
    assert not schema_exists("qingshuitai")


def test_district_rules(db):
    with pytest.raises(ValidationError) as exc:
        services.center_create(
            kind="district", division_code="999999000000", name="无名区", slug="wuming"
        )
    assert "division_code" in exc.value.message_dict  # not a known county
    with pytest.raises(ValidationError) as exc:
        services.center_create(
            kind="district", division_code="210113105000", name="沈北新区", slug="shenbei"
        )
    assert "division_code" in exc.value.message_dict  # must end in 000000


def test_district_with_parent_is_refused(district):
    with pytest.raises(ValidationError) as exc:
        services.center_create(
            kind="district", division_code="210112000000", name="浑南区", slug="hunnan",
            parent_slug="shenbei",
        )  # fmt: skip
    assert "parent" in exc.value.message_dict


def test_duplicates_are_refused(township):
    with pytest.raises(ValidationError) as exc:
        services.center_create(
            kind="township", division_code="210113105000", name="清水台镇",
            slug="qingshuitai", parent_slug="shenbei",
        )  # fmt: skip
    assert {"slug", "division_code"} <= set(exc.value.message_dict)


def test_errors_are_in_chinese_by_default(district):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        services.center_create(
            kind="township", division_code="123", name="清水台镇", slug="qingshuitai",
            parent_slug="shenbei",
        )  # fmt: skip
    message = exc.value.message_dict["division_code"][0]
    assert "12" in message and any("\u4e00" <= ch <= "\u9fff" for ch in message)


def test_create_center_command_prints_url_and_login(district, capsys):
    call_command(
        "create_center", kind="township", code="210113105000", name="清水台镇",
        parent="shenbei", slug="qingshuitai",
    )  # fmt: skip
    out = capsys.readouterr().out
    assert "http://qingshuitai.localhost:8000/" in out
    assert "admin / " in out


def test_create_center_command_fails_on_bad_input(district):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError) as exc:
        call_command(
            "create_center", kind="district", code="210112000000", name="浑南区",
            parent="shenbei", slug="hunnan",
        )  # fmt: skip
    assert "parent" in str(exc.value)
    assert not Center.objects.filter(slug="hunnan").exists()


def test_one_pool_refill_at_a_time():
    from django.core.cache import cache

    from tenants.tasks import spare_schemas_refill

    with cache.lock("spare-schemas-refill", timeout=30):
        assert spare_schemas_refill() == 0
    assert spare_schemas_refill() == 0  # the pool is already full
    assert SpareSchema.objects.count() == settings.CENTER_SPARE_SCHEMAS


def test_a_racing_duplicate_is_a_validation_error_not_a_crash(district, monkeypatch):
    # Both requests passed the checks; the second one's insert hits the unique index.
    monkeypatch.setattr(services, "center_validate", lambda **kw: None)
    with pytest.raises(ValidationError) as exc:
        services.center_create(
            kind="district", division_code="210113000000", name="沈北新区", slug="shenbei-2"
        )
    assert "division_code" in exc.value.message_dict  # the model's own unique check
    monkeypatch.setattr(Center, "full_clean", lambda self: None)
    with pytest.raises(ValidationError) as exc:
        services.center_create(
            kind="district", division_code="210113000000", name="沈北新区", slug="shenbei-2"
        )
    assert "slug" in exc.value.message_dict  # the unique index itself
    assert not schema_exists("shenbei_2")
