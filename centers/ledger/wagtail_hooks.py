"""The ledger in Wagtail admin, on center domains, for the case staff (HANDLE_CASES):
/admin/ledger/ (the day's ledger and counts), /admin/ledger/fees/ (the daily fee report) and
the exports under /admin/ledger/export/."""

from django.urls import path, reverse_lazy
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem

from . import views


class CaseStaffMenuItem(MenuItem):
    def is_shown(self, request):
        return views.case_staff(request.user)


@hooks.register("register_admin_urls")
def register_ledger_urls():
    return [
        path("ledger/", views.LedgerView.as_view(), name="ledger_index"),
        path("ledger/fees/", views.FeesView.as_view(), name="ledger_fees"),
        path(
            "ledger/fees/<int:pk>/pay/",
            views.FeeActionView.as_view(action="pay"),
            name="ledger_fee_pay",
        ),
        path(
            "ledger/fees/<int:pk>/waive/",
            views.FeeActionView.as_view(action="waive"),
            name="ledger_fee_waive",
        ),
        path("ledger/export/<slug:what>/", views.export_view, name="ledger_export"),
    ]


@hooks.register("register_admin_menu_item")
def register_ledger_menu():
    menu = Menu(
        items=[
            CaseStaffMenuItem(
                _("Ledger (台帐)"), reverse_lazy("ledger_index"), name="ledger", icon_name="list-ul"
            ),
            CaseStaffMenuItem(
                _("Fees (统一收费)"),
                reverse_lazy("ledger_fees"),
                name="ledger-fees",
                icon_name="doc-full",
            ),
        ]
    )
    return SubmenuMenuItem(
        _("Ledger and fees"), menu, name="ledger-and-fees", icon_name="list-ul", order=170
    )
