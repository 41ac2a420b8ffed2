"""The audit log in the Wagtail admin, for who may read it (VIEW_AUDIT_LOG)."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import selectors, views


class AuditMenuItem(MenuItem):
    def is_shown(self, request):
        return selectors.may_view_audit(request.user)


@hooks.register("register_admin_urls")
def register_audit_urls():
    return [
        path("audit/", views.AuditLogView.as_view(), name="audit_index"),
        path("audit/export/", views.export_view, name="audit_export"),
    ]


@hooks.register("register_admin_menu_item")
def register_audit_menu_item():
    return AuditMenuItem(
        _("Audit log"), reverse("audit_index"), name="audit", icon_name="history", order=900
    )
