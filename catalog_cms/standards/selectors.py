import hashlib
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from .models import (
    Brand,
    CenterFacts,
    CenterStandard,
    DistrictCatalogEntry,
    MatterMaterial,
    MatterTemplate,
)
from .vocab import NINE_ELEMENTS, AuthorityLevel, CenterRule

BRAND_CACHE_KEY = "city-brand"


# Every page shows the brand: each process keeps it BRAND_LOCAL_SECONDS, so a page costs no
# cache round trip (and no schema switch) for it; a change shows everywhere within that time.
BRAND_LOCAL_SECONDS = 30
_brand_local: tuple[float, Brand] | None = None


def city_brand() -> Brand:
    """The city's brand, read from the public schema whichever schema is active (cached under
    the public schema's key space, dropped when the brand is saved, and kept in each process
    for BRAND_LOCAL_SECONDS)."""
    global _brand_local
    now = time.monotonic()
    if _brand_local is not None and now - _brand_local[0] < BRAND_LOCAL_SECONDS:
        return _brand_local[1]
    with schema_context(settings.PUBLIC_SCHEMA_NAME):
        brand = cache.get(BRAND_CACHE_KEY)
        if brand is None:
            brand = Brand.load()
            cache.set(BRAND_CACHE_KEY, brand, 3600)
    _brand_local = (now, brand)
    return brand


def brand_signature(brand: Brand) -> str:
    """A short fingerprint of everything a page shows of the brand: a page cached under it
    (portal.guides) or a stylesheet named by it (portal.preferences.brand_css) changes when the
    brand does."""
    cached = getattr(brand, "_signature", None)
    if cached is None:
        shown = "|".join(
            str(value)
            for value in (
                brand.city_name,
                brand.office_name,
                brand.hotline,
                brand.footer_text,
                brand.primary_color,
                brand.accent_color,
                brand.logo_url,
            )
        )
        cached = brand._signature = hashlib.blake2s(shown.encode(), digest_size=6).hexdigest()
    return cached


def city_brand_forget() -> None:
    """Drop this process's copy (the brand was saved here)."""
    global _brand_local
    _brand_local = None


# ---------------------------------------------------------------- matters


def matter_data(template) -> dict:
    """A template's public fields in the shape local matters copy and files carry."""
    return {
        "name": template.name,
        "code": template.code,
        "category_name": template.category.name,
        "matter_type": template.matter_type,
        "authority_level": template.authority_level,
        "mode": template.mode,
        **{name: getattr(template, name) for name, _label in NINE_ELEMENTS},
        "competent_authority": template.competent_authority,
        "legal_days": template.legal_days,
        "promised_days": template.promised_days,
        "handling_form": template.handling_form,
        "extension_max_days": template.extension_max_days,
        "issues_certificate": template.issues_certificate,
        "fee_free": template.fee_free,
        "fee_amount": template.fee_amount,
        "departments": list(template.departments or []),
        "online": template.online,
        "visits": template.visits,
        "materials": [
            {
                "name": m.name,
                "originals": m.originals,
                "copies": m.copies,
                "required": m.required,
                "note": m.note,
                # 容缺-eligible: the key only when set, so matters copied before it compare equal.
                **({"tolerance": True} if m.tolerance else {}),
            }
            for m in template.materials.all()
        ],
        "questions": [
            {"question": q.question, "answer": q.answer} for q in template.questions.all()
        ],
        "life_events": [event.name for event in template.life_events.all()],
    }


def published_templates():
    """Templates that are live, with what their public data needs prefetched. Readable from
    any schema: the public schema is on every search path."""
    return (
        MatterTemplate.objects.filter(live=True)
        .select_related("category")
        .prefetch_related("materials", "questions", "life_events")
        .order_by("code")
    )


def templates_for_center_kind(kind: str):
    """What a center of this kind may adopt: a township or street center every published
    matter (it handles its own and forwards the rest); a district center the matters whose
    authority is at district or city level."""
    templates = published_templates()
    if kind == "district":
        templates = templates.filter(
            authority_level__in=[AuthorityLevel.DISTRICT, AuthorityLevel.CITY]
        )
    return templates


def district_catalog(district):
    return (
        DistrictCatalogEntry.objects.filter(district=district)
        .select_related("template", "template__category", "district")
        .order_by("template__code")
    )


# ---------------------------------------------------------------- compliance


@dataclass
class ComplianceRow:
    center: object
    standard: CenterStandard | None
    facts: CenterFacts | None
    problems: list[str] = field(default_factory=list)
    missing_rules: list[str] = field(default_factory=list)

    @property
    def compliant(self) -> bool:
        return not self.problems


def compliance(user=None, centers=None) -> list[ComplianceRow]:
    """Every center (or those the user may supervise) against the city's standards. Below
    standard is flagged, never refused."""
    from tenants.accounts.permissions import visible_centers
    from tenants.models import Center

    with schema_context(settings.PUBLIC_SCHEMA_NAME):
        if centers is None:
            centers = Center.objects.centers().exclude(status="archived")
        if user is not None:
            centers = visible_centers(user, centers)
        centers = list(centers.select_related("parent").order_by("division_code"))
        standards = {s.kind: s for s in CenterStandard.objects.all()}
        facts = {f.center_id: f for f in CenterFacts.objects.filter(center__in=centers)}
    rule_labels = dict(CenterRule.choices)
    rows = []
    for center in centers:
        standard, fact = standards.get(center.kind), facts.get(center.pk)
        row = ComplianceRow(center=center, standard=standard, facts=fact)
        if standard is not None:
            if fact is None:
                row.problems.append(_("No facts published yet"))
            else:
                if fact.floor_area_m2 is None or fact.floor_area_m2 < standard.min_floor_area_m2:
                    row.problems.append(
                        _("Floor area %(area)s m² is below %(min)s m²")
                        % {"area": fact.floor_area_m2 or 0, "min": standard.min_floor_area_m2}
                    )
                hours = fact.weekly_open_hours
                if hours is None or hours < standard.min_weekly_open_hours:
                    row.problems.append(
                        _("Weekly opening hours %(hours)s are below %(min)s")
                        % {"hours": hours or 0, "min": standard.min_weekly_open_hours}
                    )
                kept = set(fact.rules_kept or [])
                row.missing_rules = [rule for rule in standard.required_rules if rule not in kept]
                if row.missing_rules:
                    row.problems.append(
                        _("Rules not kept: %(rules)s")
                        % {
                            "rules": "、".join(
                                str(rule_labels.get(r, r)) for r in row.missing_rules
                            )
                        }
                    )
        rows.append(row)
    return rows


def material_samples(template_id: int) -> dict[str, dict]:
    """The sample files (样表, filled-in examples) the city attached to a template's materials,
    by material name: {"title", "url" (absolute, on the city's domain, where the document
    lives), "extension"}. Readable from any schema."""
    from tenants.models import Center
    from tenants.selectors import center_url

    with schema_context(settings.PUBLIC_SCHEMA_NAME):
        materials = [
            m
            for m in MatterMaterial.objects.filter(
                template_id=template_id, sample__isnull=False
            ).select_related("sample")
        ]
        if not materials:
            return {}
        city = Center.objects.filter(schema_name=settings.PUBLIC_SCHEMA_NAME).first()
        base = center_url(city).rstrip("/") if city else ""
        return {
            m.name: {
                "title": m.sample.title,
                "url": f"{base}{m.sample.url}",
                "extension": m.sample.file_extension.upper(),
            }
            for m in materials
        }


def appointment_policy():
    """The city's appointment policy, from any schema (the table is in public, on every
    search path); the defaults when the city has not set it yet."""
    from .models import AppointmentPolicy

    return AppointmentPolicy.objects.order_by("pk").first() or AppointmentPolicy()


def case_policy():
    """The city's case policy (waiver authority, objection answer days), from any schema (the
    table is in public, on every center's search path); the defaults when none was saved."""
    from .models import CasePolicy

    return CasePolicy.objects.order_by("pk").first() or CasePolicy()
