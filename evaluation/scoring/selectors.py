"""Reads of the scored evaluation (public tables only): who may see a scorecard, the rubric
tree with a scorecard's scores, a round's progress, an evaluator's assignments, a district's
appeals, a center's results."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection

from tenants.accounts import permissions
from tenants.accounts.models import Role, User
from tenants.accounts.permissions import (
    Capability,
    can,
    on_center_domain,
    on_city_domain,
    on_domain_of,
    visible_centers,
)
from tenants.models import Center

from .models import (
    SCORED_KINDS,
    AppealState,
    EvidencePhoto,
    ItemKind,
    ItemScore,
    RankingEntry,
    Round,
    RoundState,
    Rubric,
    RubricItem,
    ScoreAppeal,
    Scorecard,
    ScorecardState,
)


def is_city_admin(user) -> bool:
    return on_city_domain() and can(user, Capability.PUBLISH_RANKING)


def is_rubric_editor(user) -> bool:
    return on_city_domain() and can(user, Capability.EDIT_CITY_STANDARDS)


def is_evaluator(user) -> bool:
    return (
        on_city_domain() and permissions.is_evaluator(user) and can(user, Capability.ACCESS_ADMIN)
    )


def is_district_supervisor(user) -> bool:
    return (
        on_city_domain()
        and permissions.is_district_supervisor(user)
        and can(user, Capability.ACCESS_ADMIN)
    )


def is_center_director(user) -> bool:
    return (
        on_center_domain()
        and permissions.is_center_director(user)
        and can(user, Capability.MANAGE_CENTER_WORKSPACE)
    )


def current_center() -> Center | None:
    if on_city_domain():
        return None
    return Center.objects.filter(schema_name=connection.schema_name).first()


def may_view_scorecard(user, scorecard: Scorecard) -> bool:
    """City staff covering the center (the city administrator, the district's supervisors
    and evaluators) see it any time; the center's director on the center's own domain, once
    it is submitted."""
    if on_city_domain():
        if is_city_admin(user):
            return True
        return permissions.is_district_staff(user) and can(
            user,
            Capability.SUPERVISE_CENTER
            if permissions.is_district_supervisor(user)
            else Capability.SCORE_CENTER,
            scorecard.center,
        )
    return (
        on_domain_of(scorecard.center)
        and is_center_director(user)
        and scorecard.state == ScorecardState.SUBMITTED
    )


def may_score(user, scorecard: Scorecard) -> bool:
    return (
        is_evaluator(user)
        and user.username == scorecard.evaluator
        and can(user, Capability.SCORE_CENTER, scorecard.center)
        and scorecard.state == ScorecardState.DRAFT
        and scorecard.round.state in (RoundState.SCORING, RoundState.APPEALS)
    )


@dataclass
class Node:
    item: RubricItem
    score: ItemScore | None = None
    photos: list = field(default_factory=list)
    children: list = field(default_factory=list)
    value: str = ""  # what the score form shows: points, faults, or "1" for a veto found
    comment: str = ""
    errors: list = field(default_factory=list)


def rubric_tree(rubric: Rubric, scorecard: Scorecard | None = None) -> list[Node]:
    """The rubric's sections, each with its groups and items, with the scorecard's scores and
    photos on the items (two queries for the rubric, two for the scores)."""
    items = list(rubric.items.order_by("order", "pk"))
    scores, photos = {}, {}
    if scorecard is not None:
        scores = {s.item_id: s for s in scorecard.scores.all()}
        for photo in EvidencePhoto.objects.filter(item_score__scorecard=scorecard):
            photos.setdefault(photo.item_score_id, []).append(photo)
    nodes = {}
    roots = []
    for item in items:
        score = scores.get(item.pk)
        node = Node(item=item, score=score, photos=photos.get(score.pk, []) if score else [])
        if score is not None:
            node.comment = score.comment
            if item.kind == ItemKind.DEDUCTION:
                node.value = "" if score.fault_count is None else str(score.fault_count)
            elif item.kind == ItemKind.VETO:
                node.value = "1" if score.marked else ""
            else:
                node.value = "" if score.points is None else str(score.points)
        nodes[item.pk] = node
        parent = nodes.get(item.parent_id)
        (parent.children if parent else roots).append(node)
    return roots


def rubrics_list():
    return Rubric.objects.order_by("name", "-version")


def rounds_list():
    return Round.objects.select_related("rubric").order_by("-period_end", "-pk")


def round_progress(round: Round) -> list[dict]:
    """Per scored center: its evaluator, scorecard state, total, appeal state."""
    cards = {
        card.center_id: card for card in round.scorecards.select_related("center__parent", "appeal")
    }
    rows = []
    for assignment in round.assignments.select_related("center__parent").order_by(
        "center__parent__name", "center__name"
    ):
        card = cards.get(assignment.center_id)
        appeal = getattr(card, "appeal", None) if card else None
        rows.append({"assignment": assignment, "scorecard": card, "appeal": appeal})
    return rows


def round_counts(round: Round) -> dict:
    cards = round.scorecards.all()
    return {
        "assigned": round.assignments.count(),
        "submitted": cards.filter(state=ScorecardState.SUBMITTED).count(),
        "appeals": ScoreAppeal.objects.filter(scorecard__round=round).count(),
        "pending_appeals": ScoreAppeal.objects.filter(
            scorecard__round=round, state=AppealState.PENDING
        ).count(),
    }


def assignable_centers(round: Round):
    return (
        Center.objects.centers()
        .filter(kind__in=SCORED_KINDS, status="active")
        .select_related("parent")
        .order_by("parent__name", "name")
    )


def evaluators_by_district() -> dict[int, list[str]]:
    result: dict[int, list[str]] = {}
    for username, district_id in (
        User.objects.filter(role=Role.EVALUATOR, is_active=True, district_id__isnull=False)
        .order_by("username")
        .values_list("username", "district_id")
    ):
        result.setdefault(district_id, []).append(username)
    return result


def my_assignments(user):
    """The evaluator's scorecards, newest round first (only centers still in their district)."""
    centers = visible_centers(user, Center.objects.centers())
    return (
        Scorecard.objects.filter(evaluator=user.username, center__in=centers)
        .exclude(round__state=RoundState.DRAFT)
        .select_related("round", "center__parent")
        .order_by("-round__period_end", "center__name")
    )


def district_appeals(user):
    """Appeals of the centers the supervisor covers, pending first."""
    centers = visible_centers(user, Center.objects.centers())
    return (
        ScoreAppeal.objects.filter(scorecard__center__in=centers)
        .select_related("scorecard__round", "scorecard__center")
        .order_by("state", "-filed_at")
    )


def center_results(center: Center):
    """The center's submitted scorecards, newest round first, with their ranking entries."""
    cards = list(
        Scorecard.objects.filter(center=center, state=ScorecardState.SUBMITTED)
        .exclude(round__state=RoundState.DRAFT)
        .select_related("round")
        .order_by("-round__period_end")
    )
    entries = {
        entry.round_id: entry
        for entry in RankingEntry.objects.filter(
            center=center, round_id__in=[card.round_id for card in cards]
        )
    }
    appeals = {
        appeal.scorecard_id: appeal
        for appeal in ScoreAppeal.objects.filter(scorecard__in=[c.pk for c in cards])
    }
    return [
        {"scorecard": card, "entry": entries.get(card.round_id), "appeal": appeals.get(card.pk)}
        for card in cards
    ]


def photo_viewable(user, photo: EvidencePhoto) -> bool:
    return may_view_scorecard(user, photo.item_score.scorecard)


def ranking_for(round: Round):
    return RankingEntry.objects.filter(round=round).order_by("rank_city", "center_name")


def talks_due(user):
    """The 约谈 flags of published rounds for the centers `user` covers (a district's
    supervisors: their centers; the city's administrators: every center), newest round
    first."""
    centers = visible_centers(user, Center.objects.centers())
    return (
        RankingEntry.objects.filter(
            flagged_for_talk=True, round__state=RoundState.PUBLISHED, center__in=centers
        )
        .select_related("round")
        .order_by("-round__period_end", "district_name", "rank_district", "center_name")
    )
