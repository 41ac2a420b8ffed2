"""A round's ranking as files: the spreadsheet (xlsx) and the printable report (PDF).

Both are built from ranking rows: the frozen RankingEntry rows of a published round, or, for
the city administrator's preview of a round not yet published, rows computed the way
publication will compute them (`services.ranking_rows`, unsaved). `include_talk` adds the 约谈 flag
and reason (the city administrator's files); the public files leave them out.

The PDF is printed with WeasyPrint in Chinese with the city's brand, like the case notices
(centers/cases/notices.py): Debian's CJK fonts, images inlined, nothing fetched.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cityplatform.spreadsheets import XlsxWriter

from . import rankings, services
from .models import RankingEntry, Round, RoundState

REPORT_LANGUAGE = "zh-hans"
PUBLIC_CACHE_SECONDS = 24 * 3600


def entries_for(round: Round) -> list[RankingEntry]:
    """A published round's frozen ranking; for any other round, the preview of what publishing
    it now would freeze (from its submitted scorecards)."""
    if round.state == RoundState.PUBLISHED:
        return rankings.ranking_entries(round)
    return services.ranking_rows(round)


def filename(round: Round, ext: str) -> str:
    return f"ranking-{round.pk}.{ext}"


# ---------------------------------------------------------------- xlsx


def _cell_number(value):
    if value is None:
        return None
    return float(Decimal(value))


def ranking_xlsx(round: Round, entries, *, include_talk: bool) -> bytes:
    """The city-wide ranking, one row per center: city rank, district, district rank, total,
    bonus, each section's points, 一票否决 and (include_talk) the 约谈 flag and reason. Written
    by `cityplatform.spreadsheets`: a center name or a 约谈 reason is always text."""
    sections = rankings.round_sections(entries)
    with translation.override(REPORT_LANGUAGE):
        writer = XlsxWriter()
        sheet = writer.sheet(_("Ranking"), widths={"B": 28, "C": 16}, freeze="C3")
        published = round.state == RoundState.PUBLISHED
        sheet.append(
            [
                round.name,
                f"{round.period_start:%Y-%m-%d} – {round.period_end:%Y-%m-%d}",
                str(round.rubric),
                _("已发布") if published else _("预览（本轮尚未发布）"),
            ]
        )
        header = [
            _("City rank"),
            _("Center"),
            _("District"),
            _("District rank"),
            _("Total"),
            _("Bonus counted"),
            *[f"{s.code} {s.title}" for s in sections],
            _("一票否决"),
        ]
        if include_talk:
            header += [_("约谈"), _("约谈 reason")]
        sheet.header(header)
        for entry in entries:
            cells = rankings.section_cells(entry, sections)
            row = [
                entry.rank_city,
                entry.center_name,
                entry.district_name,
                entry.rank_district,
                _cell_number(entry.total),
                _cell_number(entry.bonus),
                *[_cell_number(c["points"]) for c in cells],
                _("Yes") if entry.vetoed else "",
            ]
            if include_talk:
                row += [_("Yes") if entry.flagged_for_talk else "", entry.talk_reason]
            sheet.append(row)
    return writer.getvalue()


# ---------------------------------------------------------------- PDF


def report_html(round: Round, entries, *, include_talk: bool) -> str:
    from catalog_cms.standards.selectors import city_brand
    from centers.cases.notices import _brand_logo_uri

    sections = rankings.round_sections(entries)
    brand = city_brand()
    context = {
        "round": round,
        "brand": brand,
        "logo_uri": _brand_logo_uri(brand),
        "published": round.state == RoundState.PUBLISHED,
        "sections": sections,
        "city_rows": rankings.city_rows(entries, sections),
        "districts": rankings.district_tables(entries, sections),
        "talks": [e for e in entries if e.flagged_for_talk] if include_talk else [],
        "include_talk": include_talk,
        "printed_at": timezone.localtime(),
    }
    with translation.override(REPORT_LANGUAGE):
        return render_to_string("portal/city/ranking_report_pdf.html", context)


def report_pdf(round: Round, entries, *, include_talk: bool) -> bytes:
    from centers.cases.notices import render_pdf

    return render_pdf(report_html(round, entries, include_talk=include_talk))


def _public_key(round: Round, kind: str) -> str:
    stamp = round.published_at.timestamp() if round.published_at else 0
    return f"scoring:public-report:{kind}:{round.pk}:{stamp}"


def public_file(round: Round, kind: str) -> bytes:
    """A published round's public file ("xlsx" or "pdf"), built once and kept a day (the
    published ranking never changes; the key carries the publication time)."""
    key = _public_key(round, kind)
    content = cache.get(key)
    if content is None:
        entries = rankings.ranking_entries(round)
        if kind == "xlsx":
            content = ranking_xlsx(round, entries, include_talk=False)
        else:
            content = report_pdf(round, entries, include_talk=False)
        cache.set(key, content, PUBLIC_CACHE_SECONDS)
    return content
