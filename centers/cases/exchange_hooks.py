"""Wagtail admin hooks of the exchange queue: its URLs and its menu item (case staff on
center domains only)."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from tenants.accounts.permissions import Capability, can, on_center_domain

from . import exchange_views


class ExchangeMenuItem(MenuItem):
    def is_shown(self, request):
        return on_center_domain() and can(request.user, Capability.HANDLE_CASES)


@hooks.register("register_admin_urls", order=-1)  # before the desk's cases/<receipt>/
def register_exchange_urls():
    return [
        path("cases/exchange/", exchange_views.ExchangeQueueView.as_view(), name="cases_exchange"),
        path(
            "cases/exchange/<uuid:pk>/retry/",
            exchange_views.exchange_retry_view,
            name="cases_exchange_retry",
        ),
    ]


@hooks.register("register_admin_menu_item")
def register_exchange_menu_item():
    return ExchangeMenuItem(
        _("Exchange queue"), reverse("cases_exchange"), icon_name="resubmit", order=215
    )
