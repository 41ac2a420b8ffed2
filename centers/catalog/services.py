"""Every change to the center's catalog: adopt, update from a template, local-only matters,
local fields, file import. Each checks the actor, writes and audits in one transaction."""

from collections.abc import Callable, Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from catalog_cms.search_index.services import current_center_publish
from catalog_cms.standards.services import (
    ImportSummary,
    actor_name,
    import_errors,
    require,
)
from catalog_cms.standards.tabular import parse_catalog_file, time_limit_text
from catalog_cms.standards.vocab import ProcessingMode, handling_errors
from tenants.accounts.permissions import Capability

from .cache import catalog_changed
from .models import LOCAL_FIELDS, TEMPLATE_FIELDS, CatalogEvent, LocalMatter
from .selectors import matter_diff, template_copy


def _audit(action: str, actor, code: str = "", **detail) -> None:
    CatalogEvent.objects.create(action=action, actor=actor_name(actor), code=code, detail=detail)


def _stamp(matter: LocalMatter, template) -> None:
    for name, value in template_copy(template).items():
        setattr(matter, name, value)
    matter.template_id = template.pk
    matter.adopted_revision_id = template.live_revision_id
    matter.adopted_version = template.published_version


def catalog_adopt(*, templates: Iterable, actor) -> list[LocalMatter]:
    """Adopt published templates into the local catalog in one action. Idempotent: a template
    already adopted (or whose code a local matter already uses) is left as it is."""
    require(actor, Capability.MANAGE_CENTER_WORKSPACE)
    templates = [t for t in templates if t.live]
    created = []
    with transaction.atomic():
        taken_ids = set(
            LocalMatter.objects.filter(template_id__isnull=False).values_list(
                "template_id", flat=True
            )
        )
        taken_codes = set(LocalMatter.objects.values_list("code", flat=True))
        for template in templates:
            if template.pk in taken_ids or template.code in taken_codes:
                continue
            matter = LocalMatter(code=template.code)
            _stamp(matter, template)
            matter.save()
            created.append(matter)
        if created:
            _audit("adopt", actor, "", codes=[m.code for m in created])
            catalog_changed()
            current_center_publish(codes=[m.code for m in created])
    return created


def matter_update_from_template(*, local_matter: LocalMatter, actor) -> LocalMatter:
    """Take the template's newer published version; the local fields stay as they are."""
    require(actor, Capability.MANAGE_CENTER_WORKSPACE)
    from catalog_cms.standards.selectors import published_templates

    if local_matter.template_id is None:
        raise ValidationError({"template": [_("A local-only matter has no template.")]})
    template = published_templates().filter(pk=local_matter.template_id).first()
    if template is None:
        raise ValidationError({"template": [_("The template is no longer published.")]})
    with transaction.atomic():
        changed = [name for name, *_rest in matter_diff(local_matter, template)]
        _stamp(local_matter, template)
        local_matter.save()
        _audit("update_from_template", actor, local_matter.code, fields=changed)
        catalog_changed()
        current_center_publish(codes=[local_matter.code])
    return local_matter


def _check_local(matter: LocalMatter) -> None:
    """A local matter keeps the rules of a template (`MatterTemplate.clean`): the promised
    limit within the legal one; a 即办 matter finished the same day, 0 promised days (seed
    plan 5 二(三) 即时办理制); the extension within the handling form's maximum (art. 42)."""
    matter.full_clean(exclude=["materials", "questions", "life_events", "departments"])
    errors = {}
    if matter.promised_days > matter.legal_days:
        errors["promised_days"] = [
            _("The promised time limit (%(promised)d) cannot exceed the legal one (%(legal)d).")
            % {"promised": matter.promised_days, "legal": matter.legal_days}
        ]
    if matter.mode == ProcessingMode.IMMEDIATE and matter.promised_days:
        errors.setdefault("promised_days", []).append(
            _("An immediate (即办) matter is finished the same day: 0 working days.")
        )
    for name, messages in handling_errors(
        matter.mode, matter.handling_form, matter.extension_max_days
    ).items():
        errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def local_matter_create(*, actor, code: str, name: str, **fields) -> LocalMatter:
    """A matter of this center only (no city template)."""
    require(actor, Capability.MANAGE_CENTER_WORKSPACE)
    allowed = set(TEMPLATE_FIELDS) | set(LOCAL_FIELDS)
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in unknown})
    with transaction.atomic():
        if LocalMatter.objects.filter(code=code).exists():
            raise ValidationError(
                {"code": [_("The catalog already has code %(code)s.") % {"code": code}]}
            )
        matter = LocalMatter(code=code, name=name, **fields)
        if not matter.time_limit_text:
            matter.time_limit_text = time_limit_text(
                matter.mode, matter.legal_days, matter.promised_days
            )
        _check_local(matter)
        matter.save()
        _audit("create_local", actor, code)
        catalog_changed()
        current_center_publish(codes=[matter.code])
    return matter


def local_matter_set_local_fields(*, local_matter: LocalMatter, actor, **fields) -> LocalMatter:
    """Change the center's own fields (window, contact, notes) of any matter."""
    require(actor, Capability.MANAGE_CENTER_WORKSPACE)
    unknown = set(fields) - set(LOCAL_FIELDS)
    if unknown:
        raise ValidationError({name: [_("Not a local field.")] for name in unknown})
    with transaction.atomic():
        for name, value in fields.items():
            setattr(local_matter, name, value)
        _check_local(local_matter)
        local_matter.save()
        _audit("set_local_fields", actor, local_matter.code, fields=sorted(fields))
        catalog_changed()
        current_center_publish(codes=[local_matter.code])
    return local_matter


def _row_values(row: dict, matter: LocalMatter | None) -> dict:
    values = {
        name: row[name]
        for name in TEMPLATE_FIELDS
        if name in row and name not in ("fee_free", "fee_amount")
    }
    values["materials"] = [{**m, "note": ""} for m in row["materials"]]
    if matter is not None:
        notes = {m["name"]: m.get("note", "") for m in matter.materials}
        values["materials"] = [{**m, "note": notes.get(m["name"], "")} for m in values["materials"]]
    days = (row["legal_days"], row["promised_days"])
    if (
        matter is None
        or not matter.time_limit_text
        or days != (matter.legal_days, matter.promised_days)
    ):
        values["time_limit_text"] = time_limit_text(row["mode"], *days)
    return values


def _plan(parsed) -> tuple[list[tuple[dict, LocalMatter | None, dict]], ImportSummary]:
    """What loading parsed rows would do: (row, existing matter, values) and the summary."""
    summary = ImportSummary(errors=parsed.errors)
    existing = {
        m.code: m for m in LocalMatter.objects.filter(code__in=[r["code"] for r in parsed.rows])
    }
    plan = []
    for row in parsed.rows:
        matter = existing.get(row["code"])
        values = _row_values(row, matter)
        if matter is None:
            summary.created.append(row["code"])
        elif any(getattr(matter, k) != v for k, v in values.items()):
            summary.updated.append(row["code"])
        else:
            summary.unchanged.append(row["code"])
        plan.append((row, matter, values))
    return plan, summary


def local_matters_preview(*, content: bytes, filename: str) -> ImportSummary:
    """Check a file for this center's catalog and say what loading it would do: every bad
    row with its row number in `errors`, or the codes it would create, update, leave. Saves
    nothing."""
    parsed = parse_catalog_file(content, filename)
    if parsed.errors:
        return ImportSummary(errors=parsed.errors)
    return _plan(parsed)[1]


def local_matters_import(
    *,
    content: bytes,
    filename: str,
    actor,
    progress: Callable[[int, int], None] | None = None,
) -> ImportSummary:
    """Load a file into this center's catalog as local matters keyed by code. A code that
    belongs to an adopted matter updates only what the file carries. All or nothing; the same
    file twice changes nothing."""
    require(actor, Capability.MANAGE_CENTER_WORKSPACE)
    parsed = parse_catalog_file(content, filename)
    if parsed.errors:
        raise import_errors(parsed.errors)
    with transaction.atomic():
        plan, summary = _plan(parsed)
        updated = set(summary.updated)
        for number, (row, matter, values) in enumerate(plan, start=1):
            if matter is None:
                LocalMatter(code=row["code"], **values).save()
            elif row["code"] in updated:
                for k, v in values.items():
                    setattr(matter, k, v)
                matter.save()
            if progress:
                progress(number, len(plan))
        _audit("import", actor, "", filename=filename, created=len(summary.created),
               updated=len(summary.updated))  # fmt: skip
        catalog_changed()
        current_center_publish(codes=summary.created + summary.updated)
    return summary
