"""The city dashboard (运行监测) at the issue's size: 300 centers × 365 days of snapshots.

1. BENCH_METRICS_CENTERS (300) centers: 3 districts and the rest townships and streets under
   them. The dashboard reads only the public snapshot table, never a center's schema, so these
   are Center rows without a schema (like bench/search.py's), removed at the end of the phase
   with their snapshots.
2. BENCH_METRICS_DAYS (365) days of CenterDailySnapshot rows per center, plausible figures
   drawn from a seeded random generator, in one bulk insert; then ANALYZE.
3. The city administrator's dashboard, every period (30, 90, 365 days): the selectors the
   view calls (daily totals, trend buckets, the ranking over all centers with period_figures),
   and the view itself through the Django test client on the city's domain (in-process:
   routing, tenant middleware, Wagtail admin, template, SVG), one warm-up round and
   BENCH_METRICS_ROUNDS (20) timed rounds: p50/p95. Target: p95 under 300 ms.

Called by bench/run.py (phase "dashboard"), with Django already set up on the bench database.
"""

from __future__ import annotations

import datetime
import os
import random
import time

from stats import figures

CENTERS = int(os.environ.get("BENCH_METRICS_CENTERS", "300"))
DAYS = int(os.environ.get("BENCH_METRICS_DAYS", "365"))
ROUNDS = int(os.environ.get("BENCH_METRICS_ROUNDS", "20"))
TARGET_P95_MS = 300.0
FAKE_PREFIX = "bench_metrics_"  # schema names of the snapshot-only centers (no schema exists)
ADMIN = "bench-metrics-admin"
# Districts no other phase provisions (the provision, cases, search and supervision phases use
# 沈北, 浑南 and 于洪), so one `make bench` can run every phase into one database.
DISTRICTS = [("210111", "苏家屯"), ("210115", "辽中"), ("210123", "康平")]


def build(log) -> dict:
    from django.utils import timezone

    from evaluation.metrics.models import CenterDailySnapshot
    from tenants.models import Center, CenterKind, CenterStatus

    log(f"dashboard: {CENTERS} snapshot-only centers × {DAYS} days of snapshots")
    districts = Center.objects.bulk_create(
        Center(
            schema_name=f"{FAKE_PREFIX}d{i}", slug=f"bench-metrics-d{i}", name=f"{name}测区",
            kind=CenterKind.DISTRICT, division_code=f"{code}000000",
            status=CenterStatus.ACTIVE,
        )
        for i, (code, name) in enumerate(DISTRICTS)
    )  # fmt: skip
    others = Center.objects.bulk_create(
        Center(
            schema_name=f"{FAKE_PREFIX}{i}", slug=f"bench-metrics-{i}", name=f"指标{i}镇",
            kind=CenterKind.TOWNSHIP if i % 2 else CenterKind.STREET,
            division_code=f"{DISTRICTS[i % 3][0]}{500 + i:03d}000",
            parent=districts[i % 3], status=CenterStatus.ACTIVE,
        )
        for i in range(max(0, CENTERS - len(districts)))
    )  # fmt: skip
    today = timezone.localdate()
    rng = random.Random(365)
    started = time.perf_counter()

    def rows():
        for center in [*districts, *others]:
            district_id = center.pk if center.kind == CenterKind.DISTRICT else center.parent_id
            size = rng.randint(5, 60)
            for back in range(DAYS):
                day = today - datetime.timedelta(days=back)
                weekend = day.weekday() >= 5
                received = 0 if weekend else rng.randint(size // 2, size)
                closed = 0 if weekend else rng.randint(size // 2, size)
                late = sum(1 for _ in range(closed) if rng.random() < 0.04)
                ratings = [0, 0, 0, 0, 0]
                for _ in range(closed // 2):
                    ratings[rng.choices(range(5), weights=(70, 22, 6, 1.5, 0.5))[0]] += 1
                proactive = sum(ratings) // 3
                yield CenterDailySnapshot(
                    center_id=center.pk, district_id=district_id, day=day,
                    received=received, accepted=received, closed=closed,
                    closed_on_time=closed - late, closed_late=late,
                    closed_one_visit=closed - closed // 10, handling_working_days=closed * 3,
                    open_cases=size * 3, overdue_open=rng.randint(0, 3),
                    ratings_1=ratings[0], ratings_2=ratings[1], ratings_3=ratings[2],
                    ratings_4=ratings[3], ratings_5=ratings[4], ratings_proactive=proactive,
                    ratings_proactive_good=proactive, closed_unrated=closed - sum(ratings),
                    complaints_received=rng.randint(0, 1), complaints_answered=0,
                    windows=size // 5 + 2, staff=size // 4 + 3, floor_area=300 + size * 10,
                    weekly_open_hours=40,
                )  # fmt: skip

    CenterDailySnapshot.objects.bulk_create(rows(), batch_size=5000)
    load_s = time.perf_counter() - started
    return {
        "centers": len(districts) + len(others),
        "days": DAYS,
        "rows": CenterDailySnapshot.objects.filter(
            center__schema_name__startswith=FAKE_PREFIX
        ).count(),
        "load_s": round(load_s, 1),
    }


def analyze() -> None:
    from django.db import connection

    from evaluation.metrics.models import CenterDailySnapshot
    from tenants.models import Center

    with connection.cursor() as cursor:
        for model in (CenterDailySnapshot, Center):
            cursor.execute(f"ANALYZE {model._meta.db_table}")


def measure(run) -> dict:
    """run(days) for every period: one warm-up round, ROUNDS timed rounds."""
    from evaluation.metrics.selectors import PERIODS

    for days in PERIODS:
        run(days)
    samples: dict[int, list[float]] = {days: [] for days in PERIODS}
    for _round in range(ROUNDS):
        for days in PERIODS:
            started = time.perf_counter()
            run(days)
            samples[days].append((time.perf_counter() - started) * 1000)
    every = [s for values in samples.values() for s in values]
    return {**figures(every), "by_period": {str(d): figures(v) for d, v in samples.items()}}


def cleanup() -> None:
    from django.db import connection

    from evaluation.metrics.models import CenterDailySnapshot
    from tenants.accounts.models import User
    from tenants.models import Center

    connection.set_schema_to_public()
    User.objects.filter(username=ADMIN).delete()
    fake = Center.objects.filter(schema_name__startswith=FAKE_PREFIX)
    CenterDailySnapshot.objects.filter(center__in=fake).delete()
    fake.filter(parent__isnull=False).delete()  # the townships before their districts
    fake.delete()


def metrics_bench(log) -> dict:
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from evaluation.metrics import selectors
    from tenants.accounts.models import Role
    from tenants.accounts.services import staff_user_create
    from tenants.models import Center

    connection.set_schema_to_public()
    cleanup()  # a run stopped half-way leaves its rows behind
    try:
        out = build(log)
        analyze()
        admin = staff_user_create(
            username=ADMIN, password="Kp7#Wuv2-Lm9x-2026", role=Role.CITY_ADMIN
        )
        centers = list(Center.objects.centers().only("pk", "name", "slug", "kind", "parent_id"))
        log(f"dashboard: {len(selectors.PERIODS)} periods × {ROUNDS} rounds, selectors and view")

        def data(days: int) -> None:
            start, end = selectors.period_bounds(days, timezone.localdate())
            totals = selectors.daily_totals(None, start, end)
            selectors.trend_buckets(totals, weekly=days > 31)
            selectors.totals_of(totals)
            selectors.ranking(centers, start, end, sort="good_rate")

        out["selectors"] = measure(data)

        city_domain = Center.objects.get(schema_name="public").domains.get(is_primary=True)
        client = Client(HTTP_HOST=city_domain.domain)
        client.force_login(admin)

        def page(days: int) -> None:
            response = client.get("/admin/supervision/dashboard/", {"days": days})
            assert response.status_code == 200, response.status_code
            assert response.content.count(b'data-center="') >= CENTERS

        out["view"] = measure(page)
        out["rounds"] = ROUNDS
    finally:
        cleanup()
    out["target_p95_ms"] = TARGET_P95_MS
    out["verdict"] = (
        "under target"
        if max(out["selectors"]["p95_ms"], out["view"]["p95_ms"]) < TARGET_P95_MS
        else "OVER TARGET"
    )
    return out


def print_table(s: dict) -> None:
    lines = [
        "",
        f"10. city dashboard: {s['centers']} centers × {s['days']} days = {s['rows']:,} "
        f"snapshots (loaded in {s['load_s']:.0f} s); periods 30/90/365 days × {s['rounds']} "
        "rounds",
        f"   {'':<44}{'p50':>9}  {'p95':>9}  {'max':>9}",
    ]
    for key, label in (
        ("selectors", "selectors (totals, trend, ranking)"),
        ("view", "GET /admin/supervision/dashboard/ (in-process)"),
    ):
        f = s[key]
        lines.append(
            f"   {label:<44}{f['p50_ms']:>7.1f}ms  {f['p95_ms']:>7.1f}ms  {f['max_ms']:>7.1f}ms"
        )
        for days, g in f["by_period"].items():
            lines.append(
                f"     {days + ' days':<42}{g['p50_ms']:>7.1f}ms  {g['p95_ms']:>7.1f}ms  "
                f"{g['max_ms']:>7.1f}ms"
            )
    lines.append(f"   target p95 < {s['target_p95_ms']:.0f} ms: {s['verdict']}")
    print("\n".join(lines))
