from django.urls import path

from . import views

urlpatterns: list = [
    path("compliance/", views.ComplianceView.as_view(), name="compliance"),
    path("matter-templates/", views.MatterTemplateList.as_view(), name="matter-templates"),
    path(
        "matter-templates/import/",
        views.MatterTemplateImport.as_view(),
        name="matter-templates-import",
    ),
    path(
        "matter-templates/export/",
        views.MatterTemplateExport.as_view(),
        name="matter-templates-export",
    ),
    path("district-catalog/", views.DistrictCatalogList.as_view(), name="district-catalog"),
    path(
        "district-catalog/<int:pk>/",
        views.DistrictCatalogDetail.as_view(),
        name="district-catalog-detail",
    ),
]
