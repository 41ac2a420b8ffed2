from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from tenants.accounts.permissions import on_city_domain

from .accounts.permissions import Capability, can
from .views import CenterCreateView, CenterIndexView, CenterStatusView

app_name = "tenants_admin"
urlpatterns = [
    path("", CenterIndexView.as_view(), name="index"),
    path("new/", CenterCreateView.as_view(), name="create"),
    path(
        "<slug:slug>/<str:action>/",
        CenterStatusView.as_view(),
        name="status",
    ),
]


@hooks.register("register_admin_urls")
def register_center_admin_urls():
    return [path("centers/", include((urlpatterns, app_name), namespace=app_name))]


class CityOnlyMenuItem(MenuItem):
    def is_shown(self, request):
        return on_city_domain() and can(request.user, Capability.MANAGE_CENTERS)


@hooks.register("register_admin_menu_item")
def register_centers_menu_item():
    return CityOnlyMenuItem(
        _("Service centers"), reverse("tenants_admin:index"), icon_name="site", order=150
    )
