"""Rectification screens in Wagtail admin, on center domains and on the city's domain:
/admin/rectifications/ (list, detail with one form per step) and, for the city
administrator, /admin/rectifications/policy/ (the deadline)."""

from django.urls import path, reverse_lazy
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import views


class RectificationMenuItem(MenuItem):
    def is_shown(self, request):
        return views.center_staff(request.user) or views.city_staff(request.user)


@hooks.register("register_admin_urls")
def register_rectification_urls():
    return [
        path(
            "rectifications/",
            views.RectificationListView.as_view(),
            name="rectification_index",
        ),
        path(
            "rectifications/policy/",
            views.PolicyView.as_view(),
            name="rectification_policy",
        ),
        path(
            "rectifications/<int:pk>/",
            views.RectificationDetailView.as_view(),
            name="rectification_detail",
        ),
    ]


@hooks.register("register_admin_menu_item")
def register_rectification_menu():
    return RectificationMenuItem(
        _("Rectifications (差评整改)"),
        reverse_lazy("rectification_index"),
        name="rectifications",
        icon_name="warning",
        order=177,
    )
