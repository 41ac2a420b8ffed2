"""Demo 电子监察: one scan of every active demo center today, so the lists show the alerts of
the demo cases (demo.cases makes two overdue cases, a third visit approved by the
director, and cases near their promised date). Idempotent: a second run raises nothing new."""

from __future__ import annotations

from django.utils import timezone
from django_tenants.utils import schema_context

from evaluation.supervision.services import supervision_scan
from tenants.models import Center, CenterStatus


def seed_city() -> dict[str, dict]:
    today = timezone.localdate()
    results = {}
    for center in Center.objects.centers().filter(status=CenterStatus.ACTIVE).order_by("pk"):
        with schema_context(center.schema_name):
            results[center.slug] = supervision_scan(center, today).as_dict()
    return results
