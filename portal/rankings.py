"""The published evaluation rankings on the city's domain (public schema): /rankings/ (the
published rounds, a round's city-wide ranking or one district's), a center's result in a round
(/rankings/<round>/<center slug>/) and the round's public files (ranking.xlsx, report.pdf).

Only published rounds are shown; anything else is a 404. Everything is read from the rows
frozen at publication (evaluation.scoring.rankings), never from a center's schema. The 约谈
flag is the district's business and is not shown here (the city administrator's exports carry
it)."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from evaluation.scoring import rankings, reports


def _round_or_404(round_id):
    round = rankings.published_round(round_id)
    if round is None:
        raise Http404
    return round


@require_GET
def rankings_view(request):
    rounds = list(rankings.published_rounds())
    if not rounds:
        return render(request, "portal/city/rankings.html", {"rounds": []})
    wanted = request.GET.get("round")
    if wanted:
        round = next((r for r in rounds if str(r.pk) == wanted.strip()), None)
        if round is None:
            raise Http404
    else:
        round = rounds[0]
    entries = rankings.ranking_entries(round)
    sections = rankings.round_sections(entries)
    districts = rankings.district_tables(entries, sections)
    slug = (request.GET.get("district") or "").strip()
    district = None
    if slug:
        district = next((d for d in districts if d.slug and d.slug == slug), None)
        if district is None:
            raise Http404
    context = {
        "rounds": rounds,
        "round": round,
        "sections": sections,
        "districts": districts,
        "district": district,
        "rows": district.rows if district else rankings.city_rows(entries, sections),
        "count": len(entries),
    }
    return render(request, "portal/city/rankings.html", context)


@require_GET
def ranking_center_page(request, round_id, slug):
    round = _round_or_404(round_id)
    entry = rankings.center_entry(round, slug)
    if entry is None:
        raise Http404
    sections = rankings.round_sections([entry])
    sizes = rankings.district_sizes(round)
    context = {
        "round": round,
        "entry": entry,
        "cells": rankings.section_cells(entry, sections),
        "url": rankings.center_link(entry.center),
        "city_size": sum(sizes.values()),
        "district_size": sizes.get(entry.district_id, 0),
        "history": rankings.center_history(entry.center_id),
    }
    return render(request, "portal/city/ranking_center.html", context)


def _file(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "public, max-age=3600"
    return response


@require_GET
def ranking_xlsx(request, round_id):
    round = _round_or_404(round_id)
    return _file(
        reports.public_file(round, "xlsx"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        reports.filename(round, "xlsx"),
    )


@require_GET
def ranking_pdf(request, round_id):
    round = _round_or_404(round_id)
    response = _file(
        reports.public_file(round, "pdf"), "application/pdf", reports.filename(round, "pdf")
    )
    response["Content-Disposition"] = f'inline; filename="{reports.filename(round, "pdf")}"'
    return response
