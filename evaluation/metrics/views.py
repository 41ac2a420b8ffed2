"""The dashboards (运行监测) in Wagtail admin, /admin/supervision/dashboard/: on the city's
domain the city administrator sees every center (filtered by district) and district staff
their district; on a center's domain its staff see their own center. Reads only the public
snapshot table (selectors), never a tenant schema."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from cityplatform.admin_views import AdminScreenMixin

from . import charts, selectors
from .scopes import dashboard_scope

RANKING_CHART_ROWS = 15


def percent(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def number(value, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _int_param(request, name: str, allowed) -> int | None:
    try:
        value = int(request.GET.get(name, ""))
    except ValueError:
        return None
    return value if value in allowed else None


class DashboardView(AdminScreenMixin, TemplateView):
    template_name = "metrics/admin/dashboard.html"
    page_title = gettext_lazy("Dashboard (运行监测)")
    header_icon = "table"

    def dispatch(self, request, *args, **kwargs):
        self.scope = dashboard_scope(request.user)
        if self.scope is None:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        request, scope = self.request, self.scope
        days = _int_param(request, "days", selectors.PERIODS) or selectors.PERIODS[0]
        start, end = selectors.period_bounds(days, timezone.localdate())
        district = None
        if scope.districts:
            chosen = _int_param(request, "district", {d.pk for d in scope.districts})
            district = next((d for d in scope.districts if d.pk == chosen), None)
        center_ids, district_id = scope.series_filter(district)
        totals = selectors.daily_totals(center_ids, start, end, district_id=district_id)
        weekly = days > 31
        buckets = selectors.trend_buckets(totals, weekly=weekly)
        context.update(
            scope=scope,
            days=days,
            periods=selectors.PERIODS,
            start=start,
            end=end,
            district=district,
            weekly=weekly,
            headline=self._headline(selectors.totals_of(totals)),
            trend=self._trend_charts(buckets, weekly),
        )
        if scope.ranks:
            context.update(self._ranking(scope.centers_for(district), start, end))
        return context

    @staticmethod
    def _headline(totals: dict) -> list[tuple[str, str]]:
        return [
            (_("Cases received"), str(totals["received"])),
            (_("Cases closed"), str(totals["closed"])),
            (_("On-time rate (按时办结率)"), percent(totals["on_time_rate"])),
            (_("好评率"), percent(totals["good_rate"])),
            (_("Overdue open cases (today)"), str(totals["overdue_open"])),
        ]

    def _trend_charts(self, buckets: list[dict], weekly: bool) -> list[dict]:
        labels = [b["start"].strftime("%m-%d") for b in buckets]
        periods = [
            f"{b['start']:%Y-%m-%d} – {b['end']:%Y-%m-%d}" if weekly else f"{b['start']:%Y-%m-%d}"
            for b in buckets
        ]
        step = _("Week from") if weekly else _("Day")
        received = [b["received"] for b in buckets]
        closed = [b["closed"] for b in buckets]
        on_time = [b["on_time_rate"] for b in buckets]
        good = [b["good_rate"] for b in buckets]
        overdue = [b["overdue_open"] for b in buckets]
        per = _("per week") if weekly else _("per day")
        return [
            {
                "id": "chart-trend",
                "title": _("Cases received and closed"),
                "svg": charts.line_chart(
                    "chart-trend",
                    _("Cases received and closed"),
                    _("Cases received and closed %(per)s; the table below lists the figures.")
                    % {"per": per},
                    labels,
                    [
                        charts.Series(_("Received"), received, charts.PALETTE[0]),
                        charts.Series(_("Cases closed"), closed, charts.PALETTE[1]),
                    ],
                ),
                "columns": [step, _("Received"), _("Cases closed")],
                "rows": [
                    (p, str(r), str(c)) for p, r, c in zip(periods, received, closed, strict=True)
                ],
            },
            {
                "id": "chart-on-time",
                "title": _("On-time rate (按时办结率)"),
                "svg": charts.line_chart(
                    "chart-on-time",
                    _("On-time rate (按时办结率)"),
                    _("Share of the cases closed on time, %(per)s.") % {"per": per},
                    labels,
                    [charts.Series(_("On-time rate"), on_time, charts.PALETTE[2])],
                    percent=True,
                ),
                "columns": [step, _("Cases closed"), _("On-time rate")],
                "rows": [
                    (p, str(c), percent(r))
                    for p, c, r in zip(periods, closed, on_time, strict=True)
                ],
            },
            {
                "id": "chart-satisfaction",
                "title": _("Satisfaction (好评率)"),
                "svg": charts.line_chart(
                    "chart-satisfaction",
                    _("Satisfaction (好评率)"),
                    _("Share of the ratings at levels 1 to 3, %(per)s.") % {"per": per},
                    labels,
                    [charts.Series(_("好评率"), good, charts.PALETTE[0])],
                    percent=True,
                ),
                "columns": [step, _("Ratings"), _("好评率")],
                "rows": [
                    (p, str(b["ratings"]), percent(g))
                    for p, b, g in zip(periods, buckets, good, strict=True)
                ],
            },
            {
                "id": "chart-overdue",
                "title": _("Overdue open cases (超期未办结)"),
                "svg": charts.bar_chart(
                    "chart-overdue",
                    _("Overdue open cases (超期未办结)"),
                    _("Open cases past their promised date at the end of each %(step)s.")
                    % {"step": _("week") if weekly else _("day")},
                    labels,
                    charts.Series(_("Overdue"), overdue, charts.PALETTE[3]),
                ),
                "columns": [step, _("Overdue")],
                "rows": [(p, str(o)) for p, o in zip(periods, overdue, strict=True)],
            },
        ]

    def _ranking(self, centers, start, end) -> dict:
        request = self.request
        sort = request.GET.get("sort", "")
        sort = sort if sort in selectors.RANKING_KEYS else selectors.RANKING_KEYS[0]
        direction = request.GET.get("dir", "")
        descending = {"asc": False, "desc": True}.get(direction)
        rows = selectors.ranking(centers, start, end, sort=sort, descending=descending)
        columns = ranking_columns()
        rate_keys = {k for k, _label, kind in columns if kind == "rate"}
        leaders = [r for r in rows if r["rank"] is not None][:RANKING_CHART_ROWS]
        label = dict((k, lbl) for k, lbl, _kind in columns)[sort]
        chart = charts.hbar_chart(
            "chart-ranking",
            _("Ranking by %(figure)s") % {"figure": label},
            _("The first %(n)d centers by %(figure)s; the full ranking is in the table below.")
            % {"n": len(leaders), "figure": label},
            [r["center"].name for r in leaders],
            [r["figures"][sort] for r in leaders],
            percent=sort in rate_keys,
        )
        table = []
        for row in rows:
            figures = row["figures"]
            cells = []
            for key, _label, kind in columns:
                value = figures[key]
                if kind == "rate":
                    cells.append(percent(value))
                elif kind == "days":
                    cells.append(number(value))
                else:
                    cells.append(str(value))
            table.append(
                format_html(
                    '<tr data-center="{}"><td>{}</td><th scope="row">{}</th>{}</tr>',
                    row["center"].slug,
                    "—" if row["rank"] is None else row["rank"],
                    row["center"].name,
                    format_html_join("", "<td>{}</td>", ((cell,) for cell in cells)),
                )
            )
        current_desc = (
            descending if descending is not None else sort not in selectors.SMALLER_IS_BETTER
        )
        return {
            "ranking_chart": chart,
            "ranking_title": _("Ranking by %(figure)s") % {"figure": label},
            "ranking_columns": [
                {
                    "key": key,
                    "label": lbl,
                    "active": key == sort,
                    "descending": current_desc,
                    "next_dir": ("asc" if current_desc else "desc") if key == sort else "",
                }
                for key, lbl, _kind in columns
            ],
            # 300 rows and more: built here, not by the template's loops (a third of the time)
            "ranking_rows": mark_safe("".join(table)),
            "ranking_count": len(table),
            "sort": sort,
        }


def ranking_columns() -> list[tuple[str, str, str]]:
    return [
        ("good_rate", _("好评率"), "rate"),
        ("on_time_rate", _("On-time rate"), "rate"),
        ("overdue_open", _("Overdue"), "count"),
        ("received", _("Received"), "count"),
        ("closed", _("Cases closed"), "count"),
        ("one_visit_rate", _("一次办结率"), "rate"),
        ("avg_handling_days", _("Average handling (working days)"), "days"),
        ("proactive_good_rate", _("主动评价好评率"), "rate"),
        ("unrated_rate", _("未评价率"), "rate"),
        ("complaints_in_time_rate", _("Complaints answered in time"), "rate"),
    ]
