"""The dashboards (运行监测) in Wagtail admin: /admin/supervision/dashboard/ on the city's
domain and on every center's domain."""

from django.urls import path, reverse_lazy
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import views
from .scopes import may_see_dashboard


class DashboardMenuItem(MenuItem):
    def is_shown(self, request):
        return may_see_dashboard(request.user)


@hooks.register("register_admin_urls")
def register_dashboard_urls():
    return [
        path(
            "supervision/dashboard/",
            views.DashboardView.as_view(),
            name="metrics_dashboard",
        )
    ]


@hooks.register("register_admin_menu_item")
def register_dashboard_menu():
    return DashboardMenuItem(
        _("Dashboard (运行监测)"),
        reverse_lazy("metrics_dashboard"),
        name="metrics-dashboard",
        icon_name="table",
        order=170,
    )
