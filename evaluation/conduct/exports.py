"""The city administrator's ranking files of any round, in Wagtail admin on the city's domain:
/admin/evaluation/rounds/<id>/ranking.xlsx and /admin/evaluation/rounds/<id>/report.pdf.

A published round's files come from its frozen ranking; a round not yet published gets a
preview computed from its submitted scorecards. Unlike the public files these carry the 约谈
flag and reason. Every download is a data export recorded in the audit log."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from evaluation.scoring import reports
from evaluation.scoring.models import Round
from tenants.accounts.permissions import Capability, can, on_city_domain
from tenants.audit.models import Action
from tenants.audit.services import audit_record

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def city_admin(user) -> bool:
    return on_city_domain() and can(user, Capability.PUBLISH_RANKING)


def _round(request, round_id) -> Round:
    if not city_admin(request.user):
        raise PermissionDenied
    round = Round.objects.select_related("rubric").filter(pk=round_id).first()
    if round is None:
        raise Http404
    return round


def _export(request, round, what: str, entries) -> None:
    audit_record(
        action=Action.EXPORT,
        actor=request.user,
        request=request,
        obj=round.name,
        detail={"what": what, "round": round.pk, "state": round.state, "rows": len(entries)},
    )


@require_GET
def admin_ranking_xlsx(request, round_id):
    round = _round(request, round_id)
    entries = reports.entries_for(round)
    content = reports.ranking_xlsx(round, entries, include_talk=True)
    _export(request, round, "ranking_xlsx", entries)
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{reports.filename(round, "xlsx")}"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def admin_ranking_pdf(request, round_id):
    round = _round(request, round_id)
    entries = reports.entries_for(round)
    content = reports.report_pdf(round, entries, include_talk=True)
    _export(request, round, "ranking_pdf", entries)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{reports.filename(round, "pdf")}"'
    response["Cache-Control"] = "no-store"
    return response
