"""Run by the fault tests' conftest in a subprocess against the throwaway cluster: a district
and its township, with staff, API tokens, a window and the matters the tests take in and
forward. Prints what the tests need as one line of JSON."""

import json

import django


def main() -> None:
    django.setup()
    _migrate()
    from django_tenants.utils import schema_context
    from rest_framework.authtoken.models import Token

    from centers.catalog.models import LocalMatter
    from centers.workspace.models import Window
    from tenants.accounts.models import Role
    from tenants.accounts.services import staff_user_create
    from tenants.health.services import heartbeat_record
    from tenants.services import center_create

    password = "Test-pass-2026!"
    materials = [{"name": "居民身份证", "originals": 1, "copies": 1, "required": True, "note": ""}]

    def matter(code, mode, level):
        return LocalMatter.objects.create(
            code=code, name=f"事项{code}", category_name="社会保障", authority_level=level,
            mode=mode, legal_days=20, promised_days=5, fee_free=True, materials=materials,
        )  # fmt: skip

    district = center_create(
        kind="district", division_code="210113000000", name="沈北新区", slug="shenbei",
        admin_password=password,
    ).center  # fmt: skip
    township = center_create(
        kind="township", division_code="210113105000", name="清水台镇", slug="qingshuitai",
        parent_slug="shenbei", admin_password=password,
    ).center  # fmt: skip
    heartbeat_record()
    with schema_context(district.schema_name):
        heartbeat_record()
        matter("TS-004", "report", "district")
    with schema_context(township.schema_name):
        heartbeat_record()
        clerk = staff_user_create(username="clerk1", password=password, role=Role.WINDOW_STAFF)
        token = Token.objects.create(user=clerk).key
        window = Window.objects.create(number=1, name="综合窗口", kind="combined")
        matter("TS-001", "promised", "township")
        matter("TS-004", "report", "district")
    print(
        json.dumps(
            {
                "district": {"schema": district.schema_name, "host": _host(district)},
                "township": {"schema": township.schema_name, "host": _host(township)},
                "token": token,
                "window": window.pk,
            }
        )
    )


def _migrate() -> None:
    """The copied test database may predate a migration written since (pytest --reuse-db)."""
    from django.core.management import call_command
    from django.db import connection

    from tenants.migration_executor import expected_migrations

    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations")
        applied = set(cursor.fetchall())
    if expected_migrations() - applied:
        call_command("migrate_schemas", verbosity=0)


def _host(center) -> str:
    return center.domains.get(is_primary=True).domain


if __name__ == "__main__":
    main()
