"""Demo snapshots: months of figures behind the dashboards. Days from a center's first case
on are computed for real (snapshot_compute in its schema); the earlier days of the last
DEMO_DAYS are synthesized deterministically (a generator seeded by the center's slug and the
day) with plausible figures: on-time 90-100 %, satisfaction 95-99.9 %, a few overdue cases.
Idempotent: every run replaces the same rows with the same figures."""

from __future__ import annotations

import datetime
import random

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from catalog_cms.standards import calendar as cal
from evaluation.metrics import services
from evaluation.metrics.models import CenterDailySnapshot
from tenants.models import Center, CenterKind, CenterStatus

DEMO_DAYS = 200  # more than six months


def _first_real_day() -> datetime.date | None:
    from centers.cases.models import Case

    first = Case.objects.order_by("received_on").values_list("received_on", flat=True).first()
    return first


def synthetic_figures(center: Center, day: datetime.date, workspace: dict) -> dict:
    """One plausible day of `center` (the same figures for the same center and day)."""
    rng = random.Random(f"metrics-demo:{center.slug}:{day.isoformat()}")
    base = random.Random(f"metrics-demo:{center.slug}")
    size = base.randint(25, 45) if center.kind == CenterKind.DISTRICT else base.randint(6, 18)
    figures = dict(workspace)
    overdue = rng.choices((0, 1, 2, 3), weights=(60, 25, 10, 5))[0]
    if not cal.is_working_day(day):
        return figures | {"open_cases": size * 2, "overdue_open": overdue}
    received = rng.randint(size // 2, size)
    closed = rng.randint(size // 2, size)
    on_time_rate = rng.uniform(0.90, 1.0)
    on_time = min(closed, round(closed * on_time_rate))
    rated = round(closed * rng.uniform(0.6, 0.9))
    bad = sum(1 for _ in range(rated) if rng.random() > rng.uniform(0.95, 0.999))
    good = rated - bad
    level_1 = round(good * rng.uniform(0.65, 0.8))
    level_2 = round((good - level_1) * 0.75)
    level_3 = good - level_1 - level_2
    level_5 = sum(1 for _ in range(bad) if rng.random() < 0.3)
    proactive = round(rated * rng.uniform(0.3, 0.6))
    proactive_bad = min(bad, proactive)
    complaints = rng.choices((0, 1), weights=(92, 8))[0]
    return figures | {
        "received": received,
        "accepted": received - rng.randint(0, max(1, received // 10)),
        "closed": closed,
        "closed_on_time": on_time,
        "closed_late": closed - on_time,
        "closed_one_visit": round(closed * rng.uniform(0.85, 0.98)),
        "handling_working_days": sum(rng.randint(0, 6) for _ in range(closed)),
        "open_cases": size * 2 + rng.randint(0, size),
        "overdue_open": overdue,
        "ratings_1": level_1,
        "ratings_2": level_2,
        "ratings_3": level_3,
        "ratings_4": bad - level_5,
        "ratings_5": level_5,
        "ratings_proactive": proactive,
        "ratings_proactive_good": proactive - proactive_bad,
        "closed_unrated": closed - rated,
        "complaints_received": complaints,
        "complaints_answered": complaints,
        "complaints_answered_in_time": complaints,
    }


_COUNTERS = frozenset(
    f.name
    for f in CenterDailySnapshot._meta.fields
    if f.name not in ("id", "center", "district", "day", "computed_at")
)


def snapshots_store(center: Center, figures_by_day: dict[datetime.date, dict]) -> int:
    """Write given figures as `center`'s rows for those days (replacing any), in one
    transaction: the synthesized history before its first real case, written to the table
    directly (bulk historical figures, for which the product has no service). Every figure is
    a non-negative number of a snapshot field."""
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    for day, figures in figures_by_day.items():
        unknown = set(figures) - _COUNTERS
        if unknown:
            errors["figures"] = [_("Unknown figures: %s") % ", ".join(sorted(unknown))]
        if any(value is None or value < 0 for value in figures.values()):
            errors["figures"] = [_("Figures cannot be negative.")]
        if day > today:
            errors["day"] = [_("A snapshot cannot be computed for a future day.")]
    if errors:
        raise ValidationError(errors)
    district_id = services.district_of(center)
    rows = [
        CenterDailySnapshot(center_id=center.pk, district_id=district_id, day=day, **figures)
        for day, figures in figures_by_day.items()
    ]
    fields = sorted({name for figures in figures_by_day.values() for name in figures})
    with transaction.atomic():
        CenterDailySnapshot.objects.bulk_create(
            rows,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["center", "day"],
            update_fields=[*fields, "district", "computed_at"],
        )
    return len(rows)


def seed_center_history(center: Center, today: datetime.date | None = None) -> dict:
    """In `center`'s schema: real snapshots from its first case to today, synthesized ones for
    the earlier days of the last DEMO_DAYS."""
    today = today or timezone.localdate()
    start = today - datetime.timedelta(days=DEMO_DAYS - 1)
    first = _first_real_day()
    real_from = max(start, first) if first else today + datetime.timedelta(days=1)
    workspace = services.workspace_figures()
    synthetic = {}
    day = start
    while day < real_from:
        synthetic[day] = synthetic_figures(center, day, workspace)
        day += datetime.timedelta(days=1)
    snapshots_store(center, synthetic)
    real = services.snapshot_compute_range(center, real_from, today) if real_from <= today else []
    return {"synthetic": len(synthetic), "real": len(real)}


def seed_city() -> None:
    """Every active demo center's last DEMO_DAYS of snapshots (visits each center's schema)."""
    centers = Center.objects.centers().filter(status=CenterStatus.ACTIVE).order_by("pk")
    for center in centers:
        with schema_context(center.schema_name):
            seed_center_history(center)
