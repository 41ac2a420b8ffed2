"""A township with staff of each kind, two matters, and helpers for the feedback tests."""

import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from tenants.accounts.models import Role


def at(day: str, hour: int = 10) -> datetime.datetime:
    naive = datetime.datetime.fromisoformat(day).replace(hour=hour)
    return timezone.make_aware(naive, timezone.get_default_timezone())


@pytest.fixture
def center(township, make_user):
    from centers.catalog.models import LocalMatter

    staff = SimpleNamespace(
        center=township,
        clerk=make_user(township, "clerk1", Role.WINDOW_STAFF),
        director=make_user(township, "director1", Role.CENTER_DIRECTOR),
        agent=make_user(township, "agent1", Role.VILLAGE_AGENT),
    )
    with schema_context(township.schema_name):
        staff.matter = LocalMatter.objects.create(
            code="FB-0001",
            name="最低生活保障申请",
            category_name="社会保障",
            authority_level="township",
            mode="promised",
        )
        staff.other_matter = LocalMatter.objects.create(
            code="FB-0002",
            name="残疾人证申领",
            category_name="社会保障",
            authority_level="township",
            mode="promised",
        )
    return staff


def submit(center, **kwargs):
    from centers.feedback import services

    kwargs.setdefault("kind", "question")
    kwargs.setdefault("text", "低保需要哪些材料？")
    with schema_context(center.schema_name):
        return services.feedback_submit(**kwargs)
