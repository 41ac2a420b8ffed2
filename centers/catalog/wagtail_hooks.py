"""The center's matter catalog in Wagtail admin (/admin/catalog/), on center domains only."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from tenants.accounts.permissions import on_center_domain

from . import views

app_name = "catalog_admin"
urlpatterns = [
    path("", views.CatalogIndexView.as_view(), name="index"),
    path("adopt/", views.AdoptView.as_view(), name="adopt"),
    path("new/", views.LocalMatterCreateView.as_view(), name="create"),
    path("import/", views.ImportView.as_view(), name="import"),
    path("import/confirm/", views.ImportConfirmView.as_view(), name="import_confirm"),
    path("export/<str:file_format>/", views.ExportView.as_view(), name="export"),
    path("matters/<str:code>/", views.MatterView.as_view(), name="matter"),
    path(
        "matters/<str:code>/update-from-template/",
        views.UpdateFromTemplateView.as_view(),
        name="update",
    ),
]


@hooks.register("register_admin_urls")
def register_catalog_admin_urls():
    return [path("catalog/", include((urlpatterns, app_name), namespace=app_name))]


class CenterCatalogMenuItem(MenuItem):
    def is_shown(self, request):
        return on_center_domain() and views.may_view(request.user)


@hooks.register("register_admin_menu_item")
def register_catalog_menu_item():
    return CenterCatalogMenuItem(
        _("Matter catalog"), reverse("catalog_admin:index"), icon_name="list-ul", order=210
    )
