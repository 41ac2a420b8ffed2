"""Reads of the supervision alerts: a center's own (on its domain), and the city's or a
district's (on the city domain, scoped by permissions.visible_centers). Only public tables are
read; no center schema is visited."""

from __future__ import annotations

from django.db import connection
from django.db.models import Count

from tenants.accounts.permissions import (
    Capability,
    can,
    has_city_role,
    on_city_domain,
    visible_centers,
)
from tenants.models import Center, CenterKind

from .models import Alert, AlertNotice, Flag

PAGE_SIZE = 50
NOTICES_SHOWN = 20
STATES = ("open", "cleared", "all")


def center_viewer(user) -> bool:
    """Staff of the current center who handle cases (the director included)."""
    return not on_city_domain() and can(user, Capability.HANDLE_CASES)


def city_viewer(user) -> bool:
    """City administrators, district supervisors and evaluators, on the city's domain."""
    return on_city_domain() and can(user, Capability.ACCESS_ADMIN) and has_city_role(user)


def may_view(user) -> bool:
    return center_viewer(user) or city_viewer(user)


def user_centers(user):
    """The centers whose alerts the user may see on this domain (a queryset)."""
    if center_viewer(user):
        return Center.objects.filter(schema_name=connection.schema_name)
    if city_viewer(user):
        return visible_centers(user, Center.objects.centers())
    return Center.objects.none()


def alerts_visible(user):
    """Every alert the user may see on this domain."""
    if center_viewer(user):
        return Alert.objects.filter(center__schema_name=connection.schema_name)
    if city_viewer(user):
        return Alert.objects.filter(center__in=user_centers(user))
    return Alert.objects.none()


def alerts_filtered(user, *, flag="", state="open", district=None, center=None):
    qs = alerts_visible(user)
    if flag in Flag.values:
        qs = qs.filter(flag=flag)
    if state == "open":
        qs = qs.filter(cleared_at__isnull=True)
    elif state == "cleared":
        qs = qs.filter(cleared_at__isnull=False)
    if district is not None:
        qs = qs.filter(district_id=district)
    if center is not None:
        qs = qs.filter(center_id=center)
    return qs


def alerts_page(qs, before: int | None, size: int = PAGE_SIZE) -> tuple[list[Alert], int | None]:
    """A keyset page, newest first: the rows with id < `before`, and the next cursor."""
    if before:
        qs = qs.filter(pk__lt=before)
    rows = list(qs.select_related("center").order_by("-id")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return rows, (rows[-1].pk if more and rows else None)


def open_counts(qs) -> list[dict]:
    """Open alerts per center and flag: [{center, name, counts: {flag: n}, total}], by name."""
    rows = (
        qs.filter(cleared_at__isnull=True)
        .values("center_id", "flag")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_center: dict[int, dict[str, int]] = {}
    for row in rows:
        by_center.setdefault(row["center_id"], {})[row["flag"]] = row["n"]
    names = dict(Center.objects.filter(pk__in=by_center).values_list("pk", "name"))
    table = [
        {
            "center_id": pk,
            "name": names.get(pk, ""),
            "counts": [counts.get(f, 0) for f in Flag.values],
            "total": sum(counts.values()),
        }
        for pk, counts in by_center.items()
    ]
    return sorted(table, key=lambda r: (-r["total"], r["name"]))


def alert_for(user, pk: int) -> Alert | None:
    return alerts_visible(user).select_related("center", "district").filter(pk=pk).first()


def district_choices(user) -> list[tuple[int, str]]:
    centers = user_centers(user).filter(kind=CenterKind.DISTRICT)
    return list(centers.order_by("division_code").values_list("pk", "name"))


def center_choices(user) -> list[tuple[int, str]]:
    return list(user_centers(user).order_by("division_code").values_list("pk", "name"))


def unread_notices(user, limit: int = NOTICES_SHOWN):
    """The user's unread notices on this (center) domain, newest first, with their alerts."""
    if not user.is_authenticated or on_city_domain():
        return AlertNotice.objects.none()
    return (
        AlertNotice.objects.filter(
            schema_name=connection.schema_name,
            username=user.get_username(),
            read_at__isnull=True,
        )
        .select_related("alert")
        .order_by("-id")[:limit]
    )


def unread_count(user) -> int:
    if not user.is_authenticated or on_city_domain():
        return 0
    return AlertNotice.objects.filter(
        schema_name=connection.schema_name, username=user.get_username(), read_at__isnull=True
    ).count()
