"""Who sees which centers on the dashboard: the city administrator every center, district
staff their district (permissions.visible_centers), a center's staff their own center on its
domain. Nobody else."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection

from tenants.accounts.permissions import (
    Capability,
    can,
    has_city_role,
    is_city_admin,
    on_center_domain,
    on_city_domain,
    visible_centers,
)
from tenants.models import Center, CenterKind


@dataclass
class Scope:
    kind: str  # "city", "district" or "center"
    centers: list = field(default_factory=list)
    districts: list = field(default_factory=list)  # the city's district filter
    district: Center | None = None  # district staff: theirs

    @property
    def ranks(self) -> bool:
        return self.kind != "center"

    def series_filter(self, district: Center | None) -> tuple[list[int] | None, int | None]:
        """(center ids, district id) for the snapshot queries: None means no such filter."""
        if self.kind == "city":
            return None, (district.pk if district else None)
        if self.kind == "district":
            return None, self.district.pk
        return [c.pk for c in self.centers], None

    def centers_for(self, district: Center | None) -> list:
        if district is None:
            return self.centers
        return [c for c in self.centers if district.pk in (c.pk, c.parent_id)]


def may_see_dashboard(user) -> bool:
    """Cheap check for the menu: no query."""
    if not can(user, Capability.ACCESS_ADMIN):
        return False
    if on_city_domain():
        return is_city_admin(user) or (has_city_role(user) and bool(user.district_id))
    return True


def dashboard_scope(user) -> Scope | None:
    if not may_see_dashboard(user):
        return None
    if on_center_domain():
        center = connection.tenant
        if not isinstance(center, Center):
            center = Center.objects.get(schema_name=connection.schema_name)
        return Scope(kind="center", centers=[center])
    centers = list(
        visible_centers(user, Center.objects.centers())
        .only("pk", "name", "slug", "kind", "parent_id")
        .order_by("name")
    )
    if is_city_admin(user):
        districts = [c for c in centers if c.kind == CenterKind.DISTRICT]
        return Scope(kind="city", centers=centers, districts=districts)
    district = next((c for c in centers if c.pk == user.district_id), None)
    if district is None:
        return None
    return Scope(kind="district", centers=centers, district=district)
