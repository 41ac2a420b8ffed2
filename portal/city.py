"""The city portal's own pages on the city's domain (public schema): the directory of centers
(/centers/) and the evaluation rankings (/rankings/).

Everything the directory shows comes from the public schema: the `Center` rows and what each
center publishes into `CenterFacts` (contacts, floor area, windows, the week's opening
intervals and its closures not yet over). The city never reads a center's schema here; open-now
is computed from the published intervals on the national calendar (Asia/Shanghai), the same way
`centers.workspace.selectors.opening_status` computes it inside the center.

Reading the directory takes two queries (the centers with their facts, their domains); the
rendered list is cached for a minute (see `centers_page`)."""

from __future__ import annotations

import datetime
import functools
import uuid
from dataclasses import dataclass, field

from django import forms
from django.core.cache import cache
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from catalog_cms.standards import calendar as cal
from catalog_cms.standards.services import CENTER_FACTS_VERSION_KEY
from centers.workspace.models import Weekday
from tenants.models import Center, CenterKind, CenterStatus
from tenants.selectors import center_directory, center_url

HORIZON_DAYS = 60  # how far ahead the next opening is looked for (the closures published)

Spans = list[tuple[datetime.time, datetime.time]]

# --- reads --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenStatus:
    published: bool  # the center has published any opening hours
    open_now: bool = False
    closes_at: datetime.time | None = None
    next_open_at: datetime.datetime | None = None
    holiday_name: str | None = None  # today's national holiday or the center's closure


@dataclass
class DirectoryRow:
    center: Center
    url: str
    district: Center | None
    facts: object | None  # CenterFacts, or None when the center has published nothing yet
    week: list[tuple[str, str]] = field(default_factory=list)  # (days, "08:30–12:00、…")
    status: OpenStatus = OpenStatus(published=False)
    status_text: str = ""


def directory_centers() -> list[Center]:
    """Every active center with its district, its published facts (one query) and its
    domains (a second query, for the link to its portal)."""
    return list(
        center_directory().filter(status=CenterStatus.ACTIVE).select_related("parent", "facts")
    )


def directory_districts(centers: list[Center]) -> list[Center]:
    """The districts to filter by: the active district centers and the districts of the
    active township and street centers."""
    by_pk = {c.pk: c for c in centers if c.kind == CenterKind.DISTRICT}
    by_pk.update({c.parent.pk: c.parent for c in centers if c.parent_id})
    return sorted(by_pk.values(), key=lambda c: c.division_code)


def _published_week(facts) -> dict[int, Spans]:
    by_weekday: dict[int, Spans] = {}
    for weekday, start, end in getattr(facts, "opening_intervals", None) or []:
        by_weekday.setdefault(int(weekday), []).append(
            (datetime.time.fromisoformat(start), datetime.time.fromisoformat(end))
        )
    for spans in by_weekday.values():
        spans.sort()
    return by_weekday


def _published_closures(facts) -> list[tuple[datetime.date, datetime.date]]:
    return [
        (datetime.date.fromisoformat(start), datetime.date.fromisoformat(end))
        for start, end in getattr(facts, "closures", None) or []
    ]


def _spans_on(day, by_weekday, closures, national) -> Spans:
    """The intervals the center is open on `day` (as `centers.workspace.selectors.
    hours_for_day`): none on a national holiday or rest day or inside a closure; on an
    adjusted working weekend day (调休) with no hours of its own, the first weekday's hours."""
    if not national(day).working or any(start <= day <= end for start, end in closures):
        return []
    spans = by_weekday.get(day.weekday(), [])
    if not spans and day.weekday() >= 5:
        for weekday in range(5):
            if by_weekday.get(weekday):
                return list(by_weekday[weekday])
    return list(spans)


def open_status(facts, now: datetime.datetime, *, national=cal.day_info) -> OpenStatus:
    """Open now (and until when) or the next opening within HORIZON_DAYS, from the published
    facts alone. `national` is the national day lookup (memoized by the caller for a list)."""
    by_weekday = _published_week(facts)
    if not by_weekday:
        return OpenStatus(published=False)
    closures = _published_closures(facts)
    now = timezone.localtime(now)
    today = now.date()
    today_spans = _spans_on(today, by_weekday, closures, national)
    holiday = national(today).holiday_name
    if holiday is None and any(start <= today <= end for start, end in closures):
        holiday = str(cal.CLOSURE_NAME)
    for start, end in today_spans:
        if start <= now.time() < end:
            return OpenStatus(published=True, open_now=True, closes_at=end)
    for offset in range(HORIZON_DAYS):
        day = today + datetime.timedelta(days=offset)
        spans = today_spans if offset == 0 else _spans_on(day, by_weekday, closures, national)
        starts = [start for start, _end in spans if offset or start > now.time()]
        if starts:
            next_open = datetime.datetime.combine(day, min(starts), tzinfo=now.tzinfo)
            return OpenStatus(published=True, next_open_at=next_open, holiday_name=holiday)
    return OpenStatus(published=True, holiday_name=holiday)


def _hhmm(value: datetime.time) -> str:
    return f"{value:%H:%M}"


def week_lines(facts) -> list[tuple[str, str]]:
    """The published week as lines (days, intervals): consecutive weekdays with the same
    intervals share a line ("星期一至星期五", "08:30–12:00、13:30–17:30")."""
    by_weekday = _published_week(facts)
    lines: list[tuple[list[int], Spans]] = []
    for weekday in range(7):
        spans = by_weekday.get(weekday)
        if not spans:
            continue
        if lines and lines[-1][1] == spans and lines[-1][0][-1] == weekday - 1:
            lines[-1][0].append(weekday)
        else:
            lines.append(([weekday], spans))
    result = []
    for days, spans in lines:
        first, last = Weekday(days[0]).label, Weekday(days[-1]).label
        label = (
            str(first)
            if len(days) == 1
            else _("%(first)s to %(last)s") % {"first": first, "last": last}
        )
        result.append((label, "、".join(f"{_hhmm(s)}–{_hhmm(e)}" for s, e in spans)))
    return result


def centers_directory_rows(
    *,
    now: datetime.datetime | None = None,
    district: str = "",
    kind: str = "",
    centers: list[Center] | None = None,
) -> list[DirectoryRow]:
    """The directory: active centers (of the district with slug `district`, the district's
    own center included, and of `kind` when given), each with its published facts, the week's
    hours and its open status at `now`."""
    now = now or timezone.now()
    centers = directory_centers() if centers is None else centers
    national = functools.cache(cal.day_info)  # one national lookup per day for the whole list
    rows = []
    for center in centers:
        own_district = center if center.kind == CenterKind.DISTRICT else center.parent
        if district and (own_district is None or own_district.slug != district):
            continue
        if kind and center.kind != kind:
            continue
        facts = getattr(center, "facts", None)
        rows.append(
            DirectoryRow(
                center=center,
                url=center_url(center),
                district=own_district,
                facts=facts,
                week=week_lines(facts),
                status=open_status(facts, now, national=national),
            )
        )
    return rows


# --- presentation -------------------------------------------------------------------------------


def status_text(status: OpenStatus, now: datetime.datetime) -> str:
    """Open-now as residents read it: "办公中，17:30 下班" or "已下班，下次开放 明天 08:30"."""
    if not status.published:
        return _("Opening hours not published yet")
    if status.open_now:
        return _("Open now, until %(time)s") % {"time": _hhmm(status.closes_at)}
    if status.next_open_at is None:
        return _("Closed; no opening in the next %(days)s days") % {"days": HORIZON_DAYS}
    at = timezone.localtime(status.next_open_at)
    today = timezone.localtime(now).date()
    time = _hhmm(at.time())
    if at.date() == today:
        when = _("today at %(time)s") % {"time": time}
    elif at.date() == today + datetime.timedelta(days=1):
        when = _("tomorrow at %(time)s") % {"time": time}
    else:
        when = _("%(date)s (%(weekday)s) at %(time)s") % {
            "date": formats.date_format(at.date(), "MONTH_DAY_FORMAT"),
            "weekday": Weekday(at.weekday()).label,
            "time": time,
        }
    return _("Closed, next open %(when)s") % {"when": when}


KIND_CHOICES = [
    ("", gettext_lazy("All kinds")),
    (CenterKind.TOWNSHIP.value, CenterKind.TOWNSHIP.label),
    (CenterKind.STREET.value, CenterKind.STREET.label),
    (CenterKind.DISTRICT.value, CenterKind.DISTRICT.label),
]


class DirectoryFilterForm(forms.Form):
    district = forms.ChoiceField(label=gettext_lazy("District"), required=False)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False, choices=KIND_CHOICES)

    def __init__(self, *args, districts: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [("", _("All districts")), *districts]


# --- views --------------------------------------------------------------------------------------

CACHE_SECONDS = 60
CACHE_PREFIX = "city-directory"


def _facts_version() -> str:
    """The current version of the published facts (dropped by every publish once committed,
    see catalog_cms.standards.services.center_facts_publish)."""
    version = cache.get(CENTER_FACTS_VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        if not cache.add(CENTER_FACTS_VERSION_KEY, version, None):
            version = cache.get(CENTER_FACTS_VERSION_KEY) or version
    return version


@require_GET
def centers_page(request):
    """/centers/: the directory of active centers, filtered by ?district=<slug>&kind=.

    Rendering 300 cards takes about 120 ms, so the list (not the page: it carries the CSRF
    token of the language switch) is cached per filter and language for a minute under the
    version of the published facts, which every publish drops. Open-now is at most a minute
    old; a center suspended or archived leaves the list within a minute."""
    version = _facts_version()
    centers: list[Center] | None = None
    districts_key = f"{CACHE_PREFIX}:{version}:districts"
    districts = cache.get(districts_key)
    if districts is None:
        centers = directory_centers()
        districts = [(d.slug, d.display_name) for d in directory_districts(centers)]
        cache.set(districts_key, districts, CACHE_SECONDS)
    form = DirectoryFilterForm(request.GET or None, districts=districts)
    chosen = {"district": "", "kind": ""}
    if form.is_bound:
        form.is_valid()  # an unknown value is reported on its field and ignored
        chosen.update({name: form.cleaned_data.get(name) or "" for name in chosen})
    key = f"{CACHE_PREFIX}:{version}:{get_language()}:{chosen['district']}:{chosen['kind']}"
    listing = cache.get(key)
    if listing is None:
        now = timezone.now()
        rows = centers_directory_rows(now=now, centers=centers, **chosen)
        for row in rows:
            row.status_text = status_text(row.status, now)
        listing = render_to_string("portal/city/_centers_list.html", {"rows": rows}, request)
        cache.set(key, listing, CACHE_SECONDS)
    # The list is our own template's output, escaped when it was rendered.
    listing = mark_safe(listing)
    context = {"form": form, "listing": listing, "filtered": any(chosen.values())}
    return render(request, "portal/city/centers.html", context)


@require_GET
def rankings_page(request):
    """/rankings/: the published evaluation rankings (portal/rankings.py): the published
    rounds, the chosen round's city-wide ranking or one district's; an empty state until a
    round is published."""
    from portal.rankings import rankings_view

    return rankings_view(request)
