"""Read-only selectors of the published evaluation rankings (公开的考核排名).

Only rounds in the published state are ever returned, and only the rows frozen at publication
(RankingEntry) are read: both live in the public schema, no tenant schema is visited. A round's
ranking page takes three queries: the round, its entries with their centers and districts, the
centers' domains (for the link to each center's portal).

The 约谈 flag (flagged_for_talk, talk_reason) is the district's business: it is carried by the
rows for the city administrator's exports, the public page and the public files leave it out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch

from tenants.models import CenterStatus, Domain
from tenants.selectors import center_url

from .models import RankingEntry, Round, RoundState


@dataclass(frozen=True)
class Section:
    code: str
    title: str


@dataclass
class RankingRow:
    entry: RankingEntry
    rank: int  # city rank, or district rank in a district's table
    tied: bool  # shares its rank with another row of the same table
    url: str  # the center's portal ("" when the center is no longer active)
    sections: list[dict] = field(default_factory=list)  # aligned with the round's sections

    @property
    def center_slug(self) -> str:
        return self.entry.center.slug


@dataclass
class DistrictTable:
    slug: str
    name: str
    rows: list[RankingRow]


def published_rounds():
    """The published rounds with their rubric versions, newest first."""
    return (
        Round.objects.filter(state=RoundState.PUBLISHED)
        .select_related("rubric")
        .order_by("-period_end", "-published_at", "-pk")
    )


def published_round(pk) -> Round | None:
    """The published round `pk` with its rubric, or None (unknown, or not published)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    if pk <= 0 or pk > 2**31 - 1:
        return None
    return published_rounds().filter(pk=pk).first()


def _code_key(code: str):
    return tuple(int(part) if part.isdigit() else part for part in str(code).split("."))


def round_sections(entries) -> list[Section]:
    """The rubric sections the entries carry, in the rubric's order (by code)."""
    titles: dict[str, str] = {}
    for entry in entries:
        for code, data in (entry.sections or {}).items():
            titles.setdefault(str(code), str((data or {}).get("title", "")))
    return [Section(code, titles[code]) for code in sorted(titles, key=_code_key)]


def _number(value) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (ArithmeticError, ValueError, TypeError):
        return None


def section_cells(entry: RankingEntry, sections: list[Section]) -> list[dict]:
    """The entry's points and maximum for each section (None where it has none)."""
    cells = []
    for section in sections:
        data = (entry.sections or {}).get(section.code) or {}
        cells.append(
            {
                "code": section.code,
                "title": section.title,
                "points": _number(data.get("points")),
                "max": _number(data.get("max")),
            }
        )
    return cells


def ranking_entries(round: Round) -> list[RankingEntry]:
    """The round's entries by city rank then name (as the scoring services order them),
    with their centers, districts and domains."""
    entries = (
        RankingEntry.objects.filter(round=round)
        .select_related("center", "district")
        .prefetch_related(Prefetch("center__domains", queryset=Domain.objects.all()))
    )
    return sorted(entries, key=lambda e: (e.rank_city, e.center_name, e.pk))


def center_link(center) -> str:
    return center_url(center) if center.status == CenterStatus.ACTIVE else ""


def _rows(entries, sections, rank_of) -> list[RankingRow]:
    counts: dict[int, int] = {}
    for entry in entries:
        counts[rank_of(entry)] = counts.get(rank_of(entry), 0) + 1
    return [
        RankingRow(
            entry=entry,
            rank=rank_of(entry),
            tied=counts[rank_of(entry)] > 1,
            url=center_link(entry.center),
            sections=section_cells(entry, sections),
        )
        for entry in entries
    ]


def city_rows(entries, sections) -> list[RankingRow]:
    return _rows(entries, sections, lambda e: e.rank_city)


def district_tables(entries, sections) -> list[DistrictTable]:
    """One table per district, in the order of the district's best city rank, rows by the
    rank within the district."""
    groups: dict = {}
    for entry in entries:
        groups.setdefault(entry.district_id, []).append(entry)
    tables = []
    for members in groups.values():
        members = sorted(members, key=lambda e: (e.rank_district, e.center_name, e.pk))
        district = members[0].district
        tables.append(
            DistrictTable(
                slug=district.slug if district else "",
                name=members[0].district_name or (district.display_name if district else ""),
                rows=_rows(members, sections, lambda e: e.rank_district),
            )
        )
    return tables


def center_entry(round: Round, slug: str) -> RankingEntry | None:
    """One center's row in a published round."""
    return (
        RankingEntry.objects.filter(round=round, center__slug=slug)
        .select_related("center", "district")
        .prefetch_related("center__domains")
        .first()
    )


def center_history(center_id) -> list[RankingEntry]:
    """The center's rows in every published round, newest round first."""
    return list(
        RankingEntry.objects.filter(center_id=center_id, round__state=RoundState.PUBLISHED)
        .select_related("round")
        .order_by("-round__period_end", "-round__pk")
    )


def district_sizes(round: Round) -> dict:
    """How many centers each district has in the round ({district_id: n})."""
    sizes: dict = {}
    for district_id in RankingEntry.objects.filter(round=round).values_list(
        "district_id", flat=True
    ):
        sizes[district_id] = sizes.get(district_id, 0) + 1
    return sizes
