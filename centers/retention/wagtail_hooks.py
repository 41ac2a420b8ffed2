"""/admin/retention/ on the city domain (the city administrator only)."""

from django.urls import path, reverse_lazy
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from tenants.accounts.permissions import may_edit_city_policy

from . import views


class RetentionMenuItem(MenuItem):
    def is_shown(self, request):
        return may_edit_city_policy(request.user)


@hooks.register("register_admin_urls")
def register_retention_urls():
    return [path("retention/", views.RetentionPolicyView.as_view(), name="retention_policy")]


@hooks.register("register_settings_menu_item")
def register_retention_menu():
    return RetentionMenuItem(
        _("Retention of personal data"),
        reverse_lazy("retention_policy"),
        name="retention",
        icon_name="time",
        order=900,
    )
