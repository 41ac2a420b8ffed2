"""Reads of the center's catalog. City templates are read through the search path (the
public schema is on every tenant's path); nothing here touches revisions or content types,
whose rows differ between schemas."""

from django.db.models import Q

from catalog_cms.standards.models import DistrictCatalogEntry
from catalog_cms.standards.selectors import (
    matter_data,
    published_templates,
    templates_for_center_kind,
)
from catalog_cms.standards.vocab import AUTHORITY_RANK, AuthorityLevel
from tenants.selectors import current_center

from .models import TEMPLATE_FIELDS, LocalMatter


def local_matters():
    return LocalMatter.objects.order_by("code")


def catalog_drift() -> list[tuple[LocalMatter, object]]:
    """Adopted matters whose template has a newer published revision: (local, template)."""
    adopted = {m.template_id: m for m in LocalMatter.objects.filter(template_id__isnull=False)}
    templates = published_templates().filter(pk__in=adopted)
    return [
        (adopted[t.pk], t)
        for t in templates
        if t.live_revision_id and t.live_revision_id != adopted[t.pk].adopted_revision_id
    ]


def _display(value) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        lines = []
        for item in value:
            if isinstance(item, dict) and "originals" in item:
                required = "必需" if item.get("required") else "可选"
                tolerance = "|容缺" if item.get("tolerance") else ""
                lines.append(
                    f"{item['name']}|{item['originals']}|{item['copies']}|{required}{tolerance}"
                )
            elif isinstance(item, dict):
                lines.append(f"{item.get('question')}|{item.get('answer')}")
            else:
                lines.append(str(item))
        return "\n".join(lines)
    return "" if value is None else str(value)


def _normal(name, value):
    if name == "fee_amount" and value is not None:
        return f"{value:.2f}" if not isinstance(value, str) else value
    return value


def matter_diff(local_matter: LocalMatter, template=None) -> list[tuple[str, str, str, str]]:
    """Field by field, what the template's published version would change:
    (field, label, local value, template value)."""
    if local_matter.template_id is None:
        return []
    if template is None:
        template = published_templates().filter(pk=local_matter.template_id).first()
        if template is None:
            return []
    data = template_copy(template)
    rows = []
    for name in TEMPLATE_FIELDS:
        local, remote = getattr(local_matter, name), data[name]
        if _normal(name, local) != _normal(name, remote):
            label = str(LocalMatter._meta.get_field(name).verbose_name)
            rows.append((name, label, _display(local), _display(remote)))
    return rows


def template_copy(template) -> dict:
    """The template's public fields as a LocalMatter stores them."""
    data = matter_data(template)
    data["fee_amount"] = None if data["fee_amount"] is None else str(data["fee_amount"])
    return {name: data[name] for name in TEMPLATE_FIELDS}


def agency_matters(center=None):
    """The 代办 list: adopted matters whose authority is above this center's level."""
    center = center or current_center()
    own = AuthorityLevel.DISTRICT if center.kind == "district" else AuthorityLevel.TOWNSHIP
    above = [level for level, rank in AUTHORITY_RANK.items() if rank > AUTHORITY_RANK[own]]
    return local_matters().filter(authority_level__in=above)


def local_matter_data(matter: LocalMatter) -> dict:
    """A local matter in the shape files carry (for export)."""
    data = {name: getattr(matter, name) for name in TEMPLATE_FIELDS}
    data["code"] = matter.code
    return data


class CatalogRow:
    """One line of the catalog listing: the matter and its markers."""

    def __init__(self, matter: LocalMatter, *, agency: bool, template_version: int | None):
        self.matter = matter
        self.agency = agency
        self.template_version = template_version  # set only when the template moved on

    @property
    def drifted(self) -> bool:
        return self.template_version is not None


def catalog_listing(
    *,
    center=None,
    search: str = "",
    agency: bool | None = None,
    drift: bool | None = None,
    local_only: bool | None = None,
) -> list[CatalogRow]:
    """The center's matters with their 代办 and drift markers, filtered (None: either way)."""
    center = center or current_center()
    drifted = {local.pk: template.published_version for local, template in catalog_drift()}
    agency_ids = set(agency_matters(center).values_list("pk", flat=True))
    matters = local_matters()
    if search:
        matters = matters.filter(Q(name__icontains=search) | Q(code__icontains=search))
    if local_only is not None:
        matters = matters.filter(template_id__isnull=local_only)
    if agency is not None:
        matters = (matters.filter if agency else matters.exclude)(pk__in=agency_ids)
    if drift is not None:
        matters = (matters.filter if drift else matters.exclude)(pk__in=drifted)
    return [
        CatalogRow(m, agency=m.pk in agency_ids, template_version=drifted.get(m.pk))
        for m in matters
    ]


def adoptable_templates(center=None) -> list[tuple[object, bool]]:
    """Published templates that apply to this center's kind and are not adopted yet (by
    template or by code): (template, listed in the district's unified catalog)."""
    center = center or current_center()
    taken_ids = set(
        LocalMatter.objects.filter(template_id__isnull=False).values_list("template_id", flat=True)
    )
    taken_codes = set(LocalMatter.objects.values_list("code", flat=True))
    district_id = center.pk if center.kind == "district" else center.parent_id
    listed = set()
    if district_id:
        listed = set(
            DistrictCatalogEntry.objects.filter(district_id=district_id).values_list(
                "template_id", flat=True
            )
        )
    return [
        (t, t.pk in listed)
        for t in templates_for_center_kind(center.kind)
        if t.pk not in taken_ids and t.code not in taken_codes
    ]


def local_matter_fields(matter: LocalMatter) -> list[tuple[str, str]]:
    """A matter's public fields for display: (field, text), choices by their labels."""
    rows = []
    for name in TEMPLATE_FIELDS:
        field = LocalMatter._meta.get_field(name)
        value = getattr(matter, name)
        if field.choices and value:
            value = getattr(matter, f"get_{name}_display")()
        rows.append((name, _display(value)))
    return rows


def matters_to_publish(codes: list[str] | None = None):
    """The current center's matters as the search index publishes them (all, or those of
    `codes`), streamed: the index's registered source (CatalogConfig.ready())."""
    matters = LocalMatter.objects.only(
        "code", "name", "category_name", "mode", "online", "conditions", "materials"
    )
    if codes is not None:
        matters = matters.filter(code__in=codes)
    return matters.iterator(chunk_size=1000)
