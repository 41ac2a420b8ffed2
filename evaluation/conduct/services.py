"""Every change of the conduct campaign, one function per step: each checks who acts and the
state, checks its input, writes, and records a ConductEvent, in one transaction. Bad input
raises ValidationError({field: [message]}) and nothing is written; a user who may not act gets
PermissionDenied.

Who acts where: the city administrator creates and closes campaigns (city domain); a center's
director submits the center's self-evaluation and the peer evaluations assigned to the center
(center domain); district supervisors assign peer evaluations between the centers of their
district and submit the district's own evaluations (city domain). Every problem found opens a
rectification item (evaluation.rectification) for the center evaluated."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from evaluation.rectification.services import rectification_open_for_finding
from tenants.accounts.permissions import Capability, can, on_city_domain, on_domain_of
from tenants.models import Center, CenterKind

from .models import (
    Campaign,
    CampaignItem,
    CampaignState,
    ConductEvent,
    Evaluation,
    EvaluationKind,
    EvaluationState,
    Finding,
)

# Centers the campaign evaluates (a district's own center is the evaluator, not evaluated).
EVALUATED_KINDS = (CenterKind.TOWNSHIP, CenterKind.STREET)
DESCRIPTION_MAX = 2000
MAX_ITEMS = 30
# The checklist a new campaign starts from (the city edits it on the form).
DEFAULT_CHECKLIST = (
    "服务态度｜文明用语、热情周到，无冷硬横推\n"
    "工作纪律｜按时在岗，不脱岗、不串岗，着装规范\n"
    "首问负责｜首位接待人员负责解答或引导到位\n"
    "一次性告知｜需补正材料一次性书面告知\n"
    "限时办结｜承诺时限内办结，无超期件\n"
    "廉洁自律｜无吃拿卡要，无违规收费"
)


def _name(actor) -> str:
    return getattr(actor, "username", "") or ""


def _event(action: str, actor, campaign, evaluation=None, **detail) -> None:
    ConductEvent.objects.create(
        action=action,
        actor=_name(actor),
        schema_name=connection.schema_name,
        campaign=campaign,
        evaluation=evaluation,
        detail=detail,
    )


def city_admin(user) -> bool:
    return on_city_domain() and can(user, Capability.PUBLISH_RANKING)


def district_staff_for(user, center) -> bool:
    """City-domain staff who supervise `center` (the city administrator, its district)."""
    return on_city_domain() and can(user, Capability.SUPERVISE_CENTER, center)


def center_director_of(user, center) -> bool:
    """The director of `center`, acting on the center's own domain."""
    return (
        center is not None
        and on_domain_of(center)
        and can(user, Capability.MANAGE_CENTER_WORKSPACE)
    )


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("You may not do this."))


def _open(campaign: Campaign) -> None:
    if not campaign.is_open:
        raise ValidationError(
            {"campaign": [_("Campaign “%(name)s” is closed.") % {"name": campaign.name}]}
        )


def _locked(campaign: Campaign) -> Campaign:
    return Campaign.objects.select_for_update().get(pk=campaign.pk)


# ---------------------------------------------------------------- campaigns


def parse_items(text: str) -> list[tuple[str, str]]:
    """Checklist lines "title" or "title｜what to check" (also "|") into (title, guidance)."""
    items = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        title, _sep, guidance = line.replace("｜", "|").partition("|")
        items.append((title.strip(), guidance.strip()))
    return items


@transaction.atomic
def campaign_create(
    *,
    actor,
    name: str,
    items: list[tuple[str, str]],
    round=None,
    period_start: datetime.date | None = None,
    period_end: datetime.date | None = None,
) -> Campaign:
    """A new open campaign with its checklist; tied to `round` (its period by default) or
    standing alone with its own period."""
    _require(city_admin(actor))
    errors: dict[str, list] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("A campaign needs a name.")]
    elif len(name) > 80:
        errors["name"] = [_("At most 80 characters.")]
    elif Campaign.objects.filter(name=name).exists():
        errors["name"] = [_("A campaign named “%(name)s” exists.") % {"name": name}]
    if round is not None:
        period_start = period_start or round.period_start
        period_end = period_end or round.period_end
    if not period_start or not period_end or period_end < period_start:
        errors["period_end"] = [_("The period must end on or after its start.")]
    titles = [title for title, _guidance in items]
    if not items:
        errors["items"] = [_("List at least one check, one a line.")]
    elif len(items) > MAX_ITEMS:
        errors["items"] = [_("At most %(n)d checks.") % {"n": MAX_ITEMS}]
    elif any(not title or len(title) > 60 for title in titles):
        errors["items"] = [_("Each check needs a title of at most 60 characters.")]
    elif any(len(guidance) > 300 for _title, guidance in items):
        errors["items"] = [_("What to check: at most 300 characters a line.")]
    elif len(set(titles)) != len(titles):
        errors["items"] = [_("Two checks have the same title.")]
    if errors:
        raise ValidationError(errors)
    campaign = Campaign.objects.create(
        name=name,
        round=round,
        period_start=period_start,
        period_end=period_end,
        created_by=_name(actor),
    )
    CampaignItem.objects.bulk_create(
        CampaignItem(campaign=campaign, order=n, title=title, guidance=guidance)
        for n, (title, guidance) in enumerate(items, start=1)
    )
    _event("campaign_create", actor, campaign, items=titles)
    return campaign


@transaction.atomic
def campaign_close(*, actor, campaign: Campaign) -> Campaign:
    """Close the campaign: nothing more is assigned or submitted."""
    _require(city_admin(actor))
    campaign = _locked(campaign)
    _open(campaign)
    campaign.state = CampaignState.CLOSED
    campaign.closed_at = timezone.now()
    campaign.save(update_fields=["state", "closed_at"])
    _event("campaign_close", actor, campaign)
    return campaign


# ---------------------------------------------------------------- assignments


@transaction.atomic
def peer_assign(*, actor, campaign: Campaign, center: Center, evaluator_center: Center):
    """The district asks `evaluator_center` to evaluate `center`, both of its district."""
    _require(
        center is not None
        and evaluator_center is not None
        and district_staff_for(actor, center)
        and district_staff_for(actor, evaluator_center)
    )
    campaign = _locked(campaign)
    _open(campaign)
    errors: dict[str, list] = {}
    for field, c in (("center", center), ("evaluator_center", evaluator_center)):
        if c.kind not in EVALUATED_KINDS or c.parent_id is None:
            errors[field] = [_("Choose a township or street center.")]
    if not errors and center.parent_id != evaluator_center.parent_id:
        errors["evaluator_center"] = [_("Peers are centers of the same district.")]
    if not errors and center.pk == evaluator_center.pk:
        errors["evaluator_center"] = [_("A center does not evaluate itself as a peer.")]
    if (
        not errors
        and Evaluation.objects.filter(
            campaign=campaign, center=center, evaluator_center=evaluator_center
        ).exists()
    ):
        errors["evaluator_center"] = [
            _("%(evaluator)s already evaluates %(center)s in this campaign.")
            % {"evaluator": evaluator_center.display_name, "center": center.display_name}
        ]
    if errors:
        raise ValidationError(errors)
    evaluation = Evaluation.objects.create(
        campaign=campaign,
        kind=EvaluationKind.PEER,
        center=center,
        evaluator_center=evaluator_center,
        assigned_by=_name(actor),
    )
    _event(
        "peer_assign",
        actor,
        campaign,
        evaluation,
        center=center.slug,
        evaluator_center=evaluator_center.slug,
    )
    return evaluation


def _evaluation_for(campaign, kind, center, evaluator_center, actor) -> Evaluation:
    evaluation, _created = Evaluation.objects.select_for_update().get_or_create(
        campaign=campaign,
        center=center,
        evaluator_center=evaluator_center,
        defaults={"kind": kind, "assigned_by": _name(actor)},
    )
    return evaluation


# ---------------------------------------------------------------- submissions


def self_evaluation_submit(*, actor, campaign: Campaign, center: Center, findings, comment=""):
    """The center's director submits the center's self-evaluation."""
    _require(center_director_of(actor, center))
    if center.kind not in EVALUATED_KINDS:
        raise ValidationError({"center": [_("Choose a township or street center.")]})
    with transaction.atomic():
        campaign = _locked(campaign)
        _open(campaign)
        evaluation = _evaluation_for(campaign, EvaluationKind.SELF, center, center, actor)
        return _submit(actor, evaluation, findings, comment)


def district_evaluation_submit(*, actor, campaign: Campaign, center: Center, findings, comment=""):
    """District staff submit the district's own evaluation of one of its centers."""
    _require(center is not None and district_staff_for(actor, center))
    if center.kind not in EVALUATED_KINDS or center.parent is None:
        raise ValidationError({"center": [_("Choose a township or street center.")]})
    with transaction.atomic():
        campaign = _locked(campaign)
        _open(campaign)
        evaluation = _evaluation_for(
            campaign, EvaluationKind.DISTRICT, center, center.parent, actor
        )
        return _submit(actor, evaluation, findings, comment)


def peer_evaluation_submit(*, actor, evaluation: Evaluation, findings, comment=""):
    """The evaluating center's director submits a peer evaluation assigned to the center."""
    _require(
        evaluation.kind == EvaluationKind.PEER
        and center_director_of(actor, evaluation.evaluator_center)
    )
    with transaction.atomic():
        campaign = _locked(evaluation.campaign)
        _open(campaign)
        evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
        return _submit(actor, evaluation, findings, comment)


def _clean_findings(items, findings) -> tuple[list[dict], dict]:
    """`findings` maps an item's pk to {"problem": bool, "description", "owner_name"}; every
    check is answered, a problem is described and has an owner."""
    errors: dict[str, list] = {}
    cleaned = []
    findings = findings or {}
    unknown = set(findings) - {item.pk for item in items}
    if unknown:
        errors["findings"] = [_("Unknown checks in the form.")]
    for item in items:
        answer = findings.get(item.pk)
        field = f"item_{item.pk}"
        if answer is None or answer.get("problem") not in (True, False):
            errors[field] = [_("“%(item)s”: choose fine or problem.") % {"item": item.title}]
            continue
        description = (answer.get("description") or "").strip()
        owner = (answer.get("owner_name") or "").strip()
        if answer["problem"]:
            if not description:
                errors[field] = [_("“%(item)s”: describe the problem.") % {"item": item.title}]
            elif len(description) > DESCRIPTION_MAX:
                errors[field] = [
                    _("“%(item)s”: at most %(n)d characters.")
                    % {"item": item.title, "n": DESCRIPTION_MAX}
                ]
            elif not owner or len(owner) > 150:
                errors[field] = [
                    _("“%(item)s”: name who will rectify it (at most 150 characters).")
                    % {"item": item.title}
                ]
        cleaned.append(
            {
                "item": item,
                "problem": answer["problem"],
                "description": description if answer["problem"] else "",
                "owner_name": owner if answer["problem"] else "",
            }
        )
    return cleaned, errors


def _submit(actor, evaluation: Evaluation, findings, comment) -> Evaluation:
    if evaluation.is_submitted:
        raise ValidationError(
            {"evaluation": [_("This evaluation was submitted already; it cannot be changed.")]}
        )
    items = list(evaluation.campaign.items.all())
    cleaned, errors = _clean_findings(items, findings)
    comment = (comment or "").strip()
    if len(comment) > DESCRIPTION_MAX:
        errors["comment"] = [_("At most %(n)d characters.") % {"n": DESCRIPTION_MAX}]
    if errors:
        raise ValidationError(errors)
    kind_label = EvaluationKind(evaluation.kind).label
    problems = 0
    for answer in cleaned:
        finding = Finding(
            evaluation=evaluation,
            item=answer["item"],
            problem=answer["problem"],
            description=answer["description"],
            owner_name=answer["owner_name"],
        )
        if answer["problem"]:
            problems += 1
            finding.rectification = rectification_open_for_finding(
                center=evaluation.center,
                title=f"{evaluation.campaign.name}：{answer['item'].title}（{kind_label}）"[:200],
                detail=_("%(evaluator)s found: %(problem)s")
                % {
                    "evaluator": evaluation.evaluator_center.display_name,
                    "problem": answer["description"],
                },
                owner_name=answer["owner_name"],
                source=evaluation.kind,  # EvaluationKind values are FindingOrigin's
                source_ref=f"conduct:{evaluation.pk}:{answer['item'].pk}",
                actor=actor,
            )
        finding.save()
    evaluation.state = EvaluationState.SUBMITTED
    evaluation.comment = comment
    evaluation.submitted_by = _name(actor)
    evaluation.submitted_at = timezone.now()
    evaluation.save(update_fields=["state", "comment", "submitted_by", "submitted_at"])
    _event(
        "evaluation_submit",
        actor,
        evaluation.campaign,
        evaluation,
        kind=evaluation.kind,
        center=evaluation.center.slug,
        problems=problems,
    )
    return evaluation
