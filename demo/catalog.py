"""Demo catalog of one center: `seed_center(center)` (called inside the center's schema)
adopts every published template that applies to the center's kind. Idempotent."""

from catalog_cms.standards.selectors import templates_for_center_kind
from centers.catalog.services import catalog_adopt


def seed_center(center):
    return catalog_adopt(templates=templates_for_center_kind(center.kind), actor="demo")
