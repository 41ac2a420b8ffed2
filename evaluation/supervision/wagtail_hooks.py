"""电子监察 in the Wagtail admin: the alerts list and summary (center and city domains), the
notices panel on a center user's home page."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component

from . import selectors, views


class SupervisionMenuItem(MenuItem):
    def is_shown(self, request):
        return selectors.may_view(request.user)


class NoticesPanel(Component):
    """The user's unread supervision notices, on their admin home page."""

    name = "supervision_notices"
    template_name = "supervision/admin/notices_panel.html"
    order = 90

    def __init__(self, request):
        self.request = request

    def get_context_data(self, parent_context):
        return {
            "notices": list(selectors.unread_notices(self.request.user)),
            "unread": selectors.unread_count(self.request.user),
            "request": self.request,
            "csrf_token": parent_context.get("csrf_token"),
        }


@hooks.register("register_admin_urls")
def register_supervision_urls():
    return [
        path("supervision/alerts/", views.AlertListView.as_view(), name="supervision_alerts"),
        path(
            "supervision/alerts/<int:pk>/",
            views.AlertDetailView.as_view(),
            name="supervision_alert",
        ),
        path(
            "supervision/notices/read/",
            views.NoticesReadView.as_view(),
            name="supervision_notices_read",
        ),
    ]


@hooks.register("register_admin_menu_item")
def register_supervision_menu():
    return SupervisionMenuItem(
        _("电子监察 (Supervision)"),
        reverse("supervision_alerts"),
        name="supervision",
        icon_name="warning",
        order=178,
    )


@hooks.register("construct_homepage_panels")
def add_notices_panel(request, panels):
    if selectors.center_viewer(request.user) and selectors.unread_count(request.user):
        panels.append(NoticesPanel(request))
