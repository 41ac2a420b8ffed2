"""The case desk in Wagtail admin (/admin/cases/), on center domains only: a menu item for
window staff, the center director and village agents (who get only their intake form); the
director's approvals (/admin/cases/approvals/) with a home-page panel while any wait."""

from django.urls import include, path, re_path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component

from tenants.accounts.permissions import is_center_director, on_center_domain, on_city_domain

from . import approvals, exchange_hooks, selectors  # noqa: F401
from .views import (
    ApprovalQueueView,
    CaseDetailView,
    CaseListView,
    CasePersonalDataView,
    DocumentDownloadView,
    IntakeView,
    ScanDownloadView,
    may_handle,
    may_take_village,
)

app_name = "cases_desk"
RECEIPT = r"\d{6,32}"
urlpatterns = [
    path("", CaseListView.as_view(), name="index"),
    path("new/", IntakeView.as_view(), name="new"),
    path("approvals/", ApprovalQueueView.as_view(), name="approvals"),
    # Receipt numbers are digits (division code + YYYYMMDD + sequence, or the older YYYYMMDD
    # + sequence), so "new/" and the exchange's
    # "exchange/" never reach the case page.
    re_path(rf"^(?P<receipt>{RECEIPT})/$", CaseDetailView.as_view(), name="case"),
    re_path(
        rf"^(?P<receipt>{RECEIPT})/personal-data/$",
        CasePersonalDataView.as_view(),
        name="personal_data",
    ),
    re_path(
        rf"^(?P<receipt>{RECEIPT})/scans/(?P<pk>\d+)/$",
        ScanDownloadView.as_view(),
        name="scan",
    ),
    re_path(
        rf"^(?P<receipt>{RECEIPT})/documents/(?P<pk>\d+)/$",
        DocumentDownloadView.as_view(),
        name="document",
    ),
]


@hooks.register("register_admin_urls")
def register_case_desk_urls():
    return [path("cases/", include((urlpatterns, app_name), namespace=app_name))]


class CaseDeskMenuItem(MenuItem):
    def is_shown(self, request):
        return on_center_domain() and (may_handle(request.user) or may_take_village(request.user))


@hooks.register("register_admin_menu_item")
def register_case_desk_menu_item():
    return CaseDeskMenuItem(
        _("办件 (Case desk)"), reverse("cases_desk:index"), icon_name="clipboard-list", order=150
    )


class ApprovalsPanel(Component):
    """On the director's admin home page while requests wait: how many, the oldest ones."""

    name = "case_approvals"
    template_name = "cases/desk/approvals_panel.html"
    order = 80
    shown = 5

    def __init__(self, request, count: int):
        self.request = request
        self.count = count

    def get_context_data(self, parent_context):
        waiting = approvals.waiting_for(self.request.user, limit=self.shown)
        return {"waiting": waiting, "count": self.count}


class DecidedRequestsPanel(Component):
    """On a clerk's admin home page: their requests the director decided in the last days."""

    name = "case_approvals_decided"
    template_name = "cases/desk/approvals_decided_panel.html"
    order = 80

    def __init__(self, decided):
        self.decided = decided

    def get_context_data(self, parent_context):
        return {"decided": self.decided, "days": approvals.DECIDED_LATELY_DAYS}


class UrgentCasesPanel(Component):
    """On the director's admin home page while 急办件 are open: each with its internal target
    (seed plan 1 六办件: urgent cases are handled first and led by the center)."""

    name = "case_urgent"
    template_name = "cases/desk/urgent_panel.html"
    order = 70

    def __init__(self, cases):
        self.cases = cases

    def get_context_data(self, parent_context):
        from centers.cases.clock import local_today

        today = local_today()
        rows = [
            (case, case.urgent_target_date is not None and case.urgent_target_date < today)
            for case in self.cases
        ]
        return {"rows": rows}


@hooks.register("construct_homepage_panels")
def add_urgent_panel(request, panels):
    if on_city_domain() or not may_handle(request.user):
        return
    if is_center_director(request.user):
        cases = selectors.urgent_open_cases()
        if cases:
            panels.append(UrgentCasesPanel(cases))


@hooks.register("construct_homepage_panels")
def add_approvals_panel(request, panels):
    if on_city_domain() or not may_handle(request.user):
        return
    if is_center_director(request.user):
        count = approvals.waiting_count()
        if count:
            panels.append(ApprovalsPanel(request, count))
        return
    decided = approvals.decided_lately(request.user)
    if decided:
        panels.append(DecidedRequestsPanel(decided))
