"""The electronic supervision scan (电子监察) at the issue's size: 300 centers with 10,000 open
cases each.

1. BENCH_SUPERVISION_CENTERS (300) centers: the centers already in the bench database (the
   provision phase's) are used first; up to BENCH_SUPERVISION_REAL (all) of them are real,
   provisioned with tenants.services.center_create (the spare pool refilled between
   provisions, outside any timing) under the three real districts. Provisioning costs 4-15 s
   a center on a small machine (the refill clones the template), so BENCH_SUPERVISION_REAL
   may be set lower: the other centers are then active Center rows whose schema holds only
   the tables the scan reads (cases, pauses, users, windows, closures, matters), created from
   the template's (CREATE TABLE … LIKE … INCLUDING ALL: same columns, indexes and partial
   indexes). The scan's statements and plans are the same; a real schema has some 200 more
   tables in the catalog.
2. Each center gets one matter and BENCH_SUPERVISION_CASES (10,000) open cases in one
   INSERT … SELECT over generate_series: accepted cases whose promised dates are spread from
   3 days ago to 96 days ahead (about 3 % red, a few % yellow), 1 % 即办件 received
   yesterday, 0.5 % with a third visit, and 0.5 % returned three times for materials (3
   补正 pauses each); then ANALYZE.
3. The whole scan, as the dispatcher's tasks would do it but sequentially in this process:
   `supervision_scan(center, today)` in each center's schema. Timed twice: the first scan
   (every alert is new: inserts and notices) and the steady scan that beat repeats every ten
   minutes (nothing new). Total wall time and per-center p50/p95 for each. Target: the whole
   scan under 60 s.
4. Everything the phase created is removed at the end: alerts and notices, the centers it
   provisioned (schemas dropped), and the cases and matter it added to existing centers.

Called by bench/run.py (phase "supervision"), with Django already set up on the bench database.
"""

from __future__ import annotations

import os
import statistics
import time

from stats import pct

CENTERS = int(os.environ.get("BENCH_SUPERVISION_CENTERS", "300"))
REAL = int(os.environ.get("BENCH_SUPERVISION_REAL", str(CENTERS)))
CASES = int(os.environ.get("BENCH_SUPERVISION_CASES", "10000"))
TARGET_S = 60.0
MATTER_CODE = "BENCH-SV-001"
RECEIPT_PREFIX = "SV"
SLUG_PREFIX = "sv-"
LIGHT_PREFIX = "svl-"
DISTRICTS = [
    ("210113", "shenbei", "沈北新区"),
    ("210112", "hunnan", "浑南区"),
    ("210114", "yuhong", "于洪区"),
]
PERSON_ID = "11010519491231002X"

CASES_SQL = """
INSERT INTO cases_case (
    receipt_number, matter_id, matter_code, matter_name, kind, urgent, channel, status,
    applicant_kind, applicant_name, applicant_id_number, applicant_id_hash, applicant_phone,
    contact_name, address,
    window_id, owner_id, first_contact_id, received_at, received_on, accepted_at, accepted_on,
    acceptance_deemed, legal_days, promised_days, extension_days, paused_days, due_date,
    due_provisional, visits, decision, decision_note, handover, closed_late, refusal_kind,
    refusal_reason, refusal_basis, remote_center, remote_receipt_number, remote_status,
    revocation_reason, revocation_basis, updated_at
)
SELECT
    %(prefix)s || lpad(g::text, 10, '0'), %(matter)s, %(code)s, '压测监察事项',
    CASE WHEN g %% 100 = 1 THEN 'instant' ELSE 'promised' END, false, 'window', 'accepted',
    'person', '张' || (g %% 1000)::text, %(person_id)s, %(person_hash)s,
    '138' || lpad(g::text, 8, '0'), '', '',
    NULL, %(owner)s, %(owner)s, t.at, t.at::date, t.at, t.at::date,
    false, 20, 5, 0, 0,
    CASE WHEN g %% 100 = 1 THEN t.at::date ELSE %(today)s::date + (g %% 100) - 3 END,
    false, CASE WHEN g %% 200 = 7 THEN 3 ELSE 1 END, '', '', '', false, '', '', '', '', '', '',
    '', '', now()
FROM generate_series(1, %(count)s) AS g
JOIN LATERAL (
    SELECT CASE WHEN g %% 100 = 1 THEN %(today)s::date - 1
                ELSE %(today)s::date - 5 - (g %% 20) END::timestamp
           + interval '10 hours' AS at
) t ON true
"""

PAUSES_SQL = """
INSERT INTO cases_clockpause (case_id, kind, reason, start_on, end_on, paused_days)
SELECT c.id, 'supplement', '补正', c.accepted_on, c.accepted_on, 0
FROM cases_case c, generate_series(1, 3)
WHERE c.receipt_number LIKE %(prefix)s AND right(c.receipt_number, 3)::int %% 200 = 11
"""


def _spec(index: int, prefix: str = SLUG_PREFIX) -> tuple[str, str, str, str, str]:
    """(kind, code, slug, name, parent) of the index-th township of the phase."""
    code, parent, name = DISTRICTS[index % len(DISTRICTS)]
    number = 600 + index // len(DISTRICTS)
    return (
        "township",
        f"{code}{number:03d}000",
        f"{prefix}{index:03d}",
        f"{name}监{number}镇",
        parent,
    )


def _scan_tables() -> list[str]:
    from centers.cases.models import Case, ClockPause
    from centers.catalog.models import LocalMatter
    from centers.workspace.models import Closure, Window
    from tenants.accounts.models import User

    return [m._meta.db_table for m in (User, Window, Closure, LocalMatter, Case, ClockPause)]


def light_centers(first_index: int, count: int) -> list[int]:
    """`count` active centers whose schema holds only the tables the scan reads."""
    from django.conf import settings
    from django.db import connection, transaction

    from tenants.models import Center, CenterStatus

    districts = {c.slug: c for c in Center.objects.filter(slug__in=[d[1] for d in DISTRICTS])}
    rows = []
    for index in range(first_index, first_index + count):
        kind, code, slug, name, parent = _spec(index, LIGHT_PREFIX)
        rows.append(
            Center(
                kind=kind, division_code=code, name=name, slug=slug,
                schema_name=slug.replace("-", "_"), parent=districts[parent],
                status=CenterStatus.ACTIVE,
            )
        )  # fmt: skip
    template = connection.ops.quote_name(settings.TENANT_BASE_SCHEMA)
    with transaction.atomic():
        centers = Center.objects.bulk_create(rows)
        with connection.cursor() as cursor:
            for center in centers:
                schema = connection.ops.quote_name(center.schema_name)
                cursor.execute(f"CREATE SCHEMA {schema}")
                for table in _scan_tables():
                    cursor.execute(
                        f"CREATE TABLE {schema}.{table} (LIKE {template}.{table} INCLUDING ALL)"
                    )
                cursor.execute(
                    f"INSERT INTO {schema}.accounts_user (password, is_superuser, username, "
                    "first_name, last_name, email, is_staff, is_active, date_joined, role, "
                    "phone) VALUES ('!', false, 'admin', '', '', '', true, true, now(), "
                    "'center_director', '')"
                )
    return [c.pk for c in centers]


def provision(log) -> tuple[list, list, float]:
    """(centers, ids created here, seconds spent provisioning incl. refills)."""
    from django.db import connection

    from tenants.models import Center, CenterStatus
    from tenants.schemas import spare_schemas_fill
    from tenants.services import center_create

    started = time.perf_counter()
    created: list[int] = []
    for code, slug, name in DISTRICTS:
        if not Center.objects.filter(slug=slug).exists():
            center = center_create(
                kind="district", division_code=f"{code}000000", name=name, slug=slug,
                actor="bench",
            ).center  # fmt: skip
            created.append(center.pk)
            spare_schemas_fill()
    index = 0
    while Center.objects.centers().filter(status=CenterStatus.ACTIVE).count() < min(REAL, CENTERS):
        kind, code, slug, name, parent = _spec(index)
        index += 1
        if Center.objects.filter(slug=slug).exists():
            continue
        connection.set_schema_to_public()
        center = center_create(
            kind=kind, division_code=code, name=name, slug=slug, parent_slug=parent,
            actor="bench",
        ).center  # fmt: skip
        created.append(center.pk)
        spare_schemas_fill()
        if len(created) % 25 == 0:
            log(f"supervision: {len(created)} centers provisioned")
    missing = CENTERS - Center.objects.centers().filter(status=CenterStatus.ACTIVE).count()
    light = light_centers(CENTERS, missing) if missing > 0 else []
    centers = list(
        Center.objects.centers().filter(status=CenterStatus.ACTIVE).order_by("pk")[:CENTERS]
    )
    return centers, created, light, time.perf_counter() - started


def load(center, today) -> int:
    from django.db import connection
    from django_tenants.utils import schema_context

    from centers.catalog.models import LocalMatter
    from tenants.accounts.models import Role, User

    with schema_context(center.schema_name):
        matter, _ = LocalMatter.objects.get_or_create(
            code=MATTER_CODE,
            defaults={
                "name": "压测监察事项", "category_name": "社会保障",
                "authority_level": "township", "mode": "promised", "legal_days": 20,
                "promised_days": 5,
            },
        )  # fmt: skip
        owner = User.objects.filter(role=Role.CENTER_DIRECTOR).order_by("pk").first()
        from cityplatform import pii

        with connection.cursor() as cursor:
            params = {
                "prefix": RECEIPT_PREFIX,
                "matter": matter.pk,
                "code": MATTER_CODE,
                "person_id": pii.encrypt(PERSON_ID),  # one resident, encrypted once
                "person_hash": pii.lookup_hash(PERSON_ID),
                "owner": owner.pk if owner else None,
                "today": today,
                "count": CASES,
            }
            cursor.execute(CASES_SQL, params)
            cursor.execute(PAUSES_SQL, {"prefix": RECEIPT_PREFIX + "%"})
            cursor.execute("ANALYZE cases_case; ANALYZE cases_clockpause")
    return CASES


def scan_all(centers, today) -> dict:
    from django.db import connection
    from django_tenants.utils import schema_context

    from evaluation.supervision.services import supervision_scan

    per_center = []
    new = 0
    notices = 0
    started = time.perf_counter()
    for center in centers:
        t0 = time.perf_counter()
        with schema_context(center.schema_name):
            result = supervision_scan(center, today)
        per_center.append(time.perf_counter() - t0)
        new += sum(result.new.values())
        notices += result.notices
    total = time.perf_counter() - started
    connection.set_schema_to_public()
    return {
        "centers": len(centers),
        "total_s": round(total, 2),
        "per_center_p50_ms": round(statistics.median(per_center) * 1000, 1),
        "per_center_p95_ms": round(pct(per_center, 95) * 1000, 1),
        "per_center_max_ms": round(max(per_center) * 1000, 1),
        "new_alerts": new,
        "notices": notices,
        "pass": total < TARGET_S,
    }


def cleanup(centers, created: list[int], light: list[int]) -> None:
    from django.db import connection, transaction
    from django_tenants.utils import schema_context

    from evaluation.supervision.models import Alert, AlertNotice
    from tenants.models import Center, CenterAuditEvent
    from tenants.schemas import drop_schema

    connection.set_schema_to_public()
    ids = [c.pk for c in centers]
    AlertNotice.objects.filter(alert__center_id__in=ids).delete()
    Alert.objects.filter(center_id__in=ids).delete()
    for center in centers:
        if center.pk in created or center.pk in light:
            continue
        with schema_context(center.schema_name), connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM cases_clockpause WHERE case_id IN "
                "(SELECT id FROM cases_case WHERE receipt_number LIKE %s)",
                [RECEIPT_PREFIX + "%"],
            )
            cursor.execute(
                "DELETE FROM cases_case WHERE receipt_number LIKE %s", [RECEIPT_PREFIX + "%"]
            )
            cursor.execute("DELETE FROM catalog_localmatter WHERE code = %s", [MATTER_CODE])
    connection.set_schema_to_public()
    for center in Center.objects.filter(pk__in=light):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA {connection.ops.quote_name(center.schema_name)} CASCADE")
            Center.objects.filter(pk=center.pk).delete()
    # Townships before their districts.
    for center in sorted(Center.objects.filter(pk__in=created), key=lambda c: c.kind == "district"):
        with transaction.atomic():
            CenterAuditEvent.objects.filter(center=center).delete()
            center.domains.all().delete()
            schema = center.schema_name
            Center.objects.filter(pk=center.pk).delete()
            drop_schema(schema)


def supervision_bench(log) -> dict:
    from django.db import connection
    from django.utils import timezone

    connection.set_schema_to_public()
    today = timezone.localdate()
    log(f"supervision: {CENTERS} centers (provisioning what is missing)")
    centers, created, light, provision_s = provision(log)
    log(
        f"supervision: {len(created)} provisioned, {len(light)} scan-table schemas, in "
        f"{provision_s:.0f} s; loading cases"
    )
    started = time.perf_counter()
    loaded = sum(load(center, today) for center in centers)
    load_s = time.perf_counter() - started
    connection.set_schema_to_public()
    log(f"supervision: {loaded:,} cases loaded in {load_s:.0f} s; first scan")
    try:
        first = scan_all(centers, today)
        log(f"supervision: first scan {first['total_s']} s; steady scan")
        steady = scan_all(centers, today)
        log(f"supervision: steady scan {steady['total_s']} s; cleaning up")
    finally:
        cleanup(centers, created, light)
    return {
        "centers": len(centers),
        "cases_per_center": CASES,
        "cases_total": loaded,
        "provisioned": len(created),
        "scan_table_schemas": len(light),
        "real_schemas": len(centers) - len(light),
        "provision_s": round(provision_s, 1),
        "load_s": round(load_s, 1),
        "today": today.isoformat(),
        "first_scan": first,
        "steady_scan": steady,
        "target_s": TARGET_S,
    }


def print_table(r: dict) -> None:
    lines = [
        "",
        f"9. 电子监察 scan: {r['centers']} centers x {r['cases_per_center']:,} open cases "
        f"({r['cases_total']:,}; {r['real_schemas']} real schemas, {r['scan_table_schemas']} "
        f"with the scan's tables only; set up in {r['provision_s']:.0f} s, cases loaded in "
        f"{r['load_s']:.0f} s)",
    ]
    for label, key in (("first scan (all new)", "first_scan"), ("steady scan", "steady_scan")):
        s = r[key]
        lines.append(
            f"   {label:<22} {s['total_s']:7.2f} s  per center p50 {s['per_center_p50_ms']} ms, "
            f"p95 {s['per_center_p95_ms']} ms, max {s['per_center_max_ms']} ms; "
            f"{s['new_alerts']:,} new alerts, {s['notices']:,} notices  "
            f"[{'PASS' if s['pass'] else 'FAIL'} < {r['target_s']:.0f} s]"
        )
    print("\n".join(lines))
