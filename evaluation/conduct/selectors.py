"""Reads of the conduct campaign, each scoped to who asks: a center sees its own
self-evaluation and the peer evaluations assigned to it (as the evaluator); district staff see
the evaluations of their district's centers; the city administrator sees everything."""

from __future__ import annotations

from django.db.models import Count, Q

from tenants.accounts.permissions import visible_centers
from tenants.models import Center

from .models import Campaign, Evaluation, EvaluationKind, Finding
from .services import EVALUATED_KINDS


def campaigns():
    return Campaign.objects.select_related("round").order_by("-period_end", "-pk")


def campaign(pk) -> Campaign | None:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    if not 0 < pk < 2**31:
        return None
    return campaigns().filter(pk=pk).first()


def _with_counts(queryset):
    return queryset.select_related("center", "evaluator_center", "campaign").annotate(
        problems=Count("findings", filter=Q(findings__problem=True))
    )


def center_evaluations(center: Center):
    """What a center's director may open: its self-evaluations and the peer evaluations its
    center was asked to make."""
    return _with_counts(
        Evaluation.objects.filter(
            Q(kind=EvaluationKind.SELF, center=center)
            | Q(kind=EvaluationKind.PEER, evaluator_center=center)
        )
    )


def supervised_centers(user):
    """The township and street centers the city-domain user supervises."""
    return (
        visible_centers(user, Center.objects.centers())
        .filter(kind__in=EVALUATED_KINDS)
        .select_related("parent")
        .order_by("division_code")
    )


def supervised_evaluations(user):
    return _with_counts(
        Evaluation.objects.filter(
            center__in=visible_centers(user, Center.objects.centers()).values("pk")
        )
    )


def findings_of(evaluation: Evaluation) -> list[Finding]:
    return list(evaluation.findings.select_related("item", "rectification"))
