"""The case desk in Wagtail admin (/admin/cases/), on center domains only: a menu item for
window staff, the center director and village agents (who get only their intake form)."""

from django.db import connection
from django.urls import include, path, re_path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import exchange_hooks  # noqa: F401
from .views import (
    CaseDetailView,
    CaseListView,
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
    # Receipt numbers are digits (YYYYMMDD + sequence), so "new/" and the exchange's
    # "exchange/" never reach the case page.
    re_path(rf"^(?P<receipt>{RECEIPT})/$", CaseDetailView.as_view(), name="case"),
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
        return connection.schema_name != "public" and (
            may_handle(request.user) or may_take_village(request.user)
        )


@hooks.register("register_admin_menu_item")
def register_case_desk_menu_item():
    return CaseDeskMenuItem(
        _("办件 (Case desk)"), reverse("cases_desk:index"), icon_name="clipboard-list", order=150
    )
