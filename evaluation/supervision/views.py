"""The supervision screens in Wagtail admin, /admin/supervision/…:

- alerts/ — on a center's domain that center's alerts (staff who handle cases, the director);
  on the city's domain every center the user may see (city admin: all; district staff: their
  district's centers), with counts per center and flag, filters and keyset pages;
- alerts/<id>/ — a read-only summary built only from the alert row;
- notices/read/ — POST: mark the user's notices read.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404, HttpResponseRedirect
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from centers.cases.states import CaseKind, CaseStatus
from cityplatform.admin_views import AdminScreenMixin, id_param
from tenants.accounts.permissions import on_city_domain

from . import selectors, services
from .models import Flag


def desk_url(receipt_number: str) -> str | None:
    """The case's page in the center's desk (center domains only)."""
    if on_city_domain():
        return None
    try:
        return reverse("cases_desk:case", kwargs={"receipt": receipt_number})
    except NoReverseMatch:
        return None


class _SupervisionView(AdminScreenMixin, TemplateView):
    header_icon = "warning"

    def dispatch(self, request, *args, **kwargs):
        if not selectors.may_view(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class AlertListView(_SupervisionView):
    template_name = "supervision/admin/index.html"
    page_title = gettext_lazy("电子监察 (supervision alerts)")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, query = self.request.user, self.request.GET
        city = selectors.city_viewer(user)
        flag = query.get("flag", "")
        flag = flag if flag in Flag.values else ""
        state = query.get("state", "open")
        state = state if state in selectors.STATES else "open"
        districts = selectors.district_choices(user) if city else []
        centers = selectors.center_choices(user) if city else []
        district = id_param(query.get("district")) if city else None
        district = district if district in {pk for pk, _n in districts} else None
        center = id_param(query.get("center")) if city else None
        center = center if center in {pk for pk, _n in centers} else None
        qs = selectors.alerts_filtered(
            user, flag=flag, state=state, district=district, center=center
        )
        rows, next_before = selectors.alerts_page(qs, id_param(query.get("before")))
        counts_scope = selectors.alerts_filtered(
            user, state="open", district=district, center=center
        )
        filters = {"flag": flag, "state": state}
        if district:
            filters["district"] = district
        if center:
            filters["center"] = center
        context.update(
            city=city,
            flags=Flag.choices,
            flag=flag,
            state=state,
            states=[
                ("open", gettext_lazy("Not cleared")),
                ("cleared", gettext_lazy("Cleared")),
                ("all", gettext_lazy("All")),
            ],
            districts=districts,
            district=district,
            centers=centers,
            center=center,
            rows=[(a, desk_url(a.receipt_number)) for a in rows],
            next_before=next_before,
            first_page=not id_param(query.get("before")),
            filters=filters,
            counts=selectors.open_counts(counts_scope),
            notices=list(selectors.unread_notices(user)),
        )
        return context


class AlertDetailView(_SupervisionView):
    template_name = "supervision/admin/detail.html"
    page_title = gettext_lazy("Case summary (电子监察)")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        alert = selectors.alert_for(self.request.user, kwargs["pk"])
        if alert is None:
            raise Http404
        context.update(
            alert=alert,
            desk_url=desk_url(alert.receipt_number),
            kind_label=dict(CaseKind.choices).get(alert.case_kind, ""),
            status_label=dict(CaseStatus.choices).get(alert.case_status, ""),
        )
        return context


class NoticesReadView(View):
    def post(self, request):
        if not selectors.center_viewer(request.user):
            raise PermissionDenied
        ids = request.POST.getlist("notice")
        ids = [n for n in (id_param(i) for i in ids) if n] or None
        services.notices_mark_read(user=request.user, schema_name=connection.schema_name, ids=ids)
        target = request.POST.get("next") or reverse("supervision_alerts")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = reverse("supervision_alerts")
        return HttpResponseRedirect(target)
