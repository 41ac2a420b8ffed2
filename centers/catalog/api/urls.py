from django.urls import path

from . import views

urlpatterns: list = [
    path("catalog/matters/", views.LocalMatterList.as_view(), name="catalog-matters"),
    path("catalog/matters/<str:code>/", views.LocalMatterDetail.as_view(), name="catalog-matter"),
    path("catalog/matters/<str:code>/diff/", views.DiffView.as_view(), name="catalog-diff"),
    path(
        "catalog/matters/<str:code>/update-from-template/",
        views.UpdateFromTemplateView.as_view(),
        name="catalog-update",
    ),
    path("catalog/adopt/", views.AdoptView.as_view(), name="catalog-adopt"),
    path("catalog/drift/", views.DriftView.as_view(), name="catalog-drift"),
    path("catalog/import/", views.ImportView.as_view(), name="catalog-import"),
    path("catalog/export/", views.ExportView.as_view(), name="catalog-export"),
]
