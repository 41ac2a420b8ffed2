"""A center's domain (its own schema)."""

from django.urls import include, path

from portal import apply as apply_views
from portal import appointments as appointment_pages
from portal import feedback as feedback_pages
from portal import guides as guide_views
from portal.objection import objection as objection_page
from portal.progress import progress as progress_page
from portal.ratings import rate as rate_page
from portal.results import results as results_page
from portal.search import search as search_page

from .urls_common import common_patterns, me_pattern

head, wagtail = common_patterns(
    __name__,
    [
        me_pattern,
        path("", include("centers.workspace.api.urls")),
        path("", include("centers.catalog.api.urls")),
        path("", include("centers.cases.api.urls")),
    ],
)
urlpatterns = [
    *head,
    path("progress/", progress_page, name="progress"),
    path("rate/<str:receipt>/", rate_page, name="rate"),
    path("objection/<str:receipt>/", objection_page, name="objection"),
    path("search/", search_page, name="search"),
    path("results/", results_page, name="results"),
    path("guides/", guide_views.guides, name="guides"),
    path("guides/<str:code>/", guide_views.guide, name="guide"),
    path("guides/<str:code>/apply/", apply_views.apply, name="guide-apply"),
    path("complaints/", feedback_pages.complaints, name="complaints"),
    path("complaints/track/", feedback_pages.complaints_track, name="complaints-track"),
    path("appointments/", appointment_pages.appointments, name="appointments"),
    path(
        "appointments/cancel/",
        appointment_pages.appointments_cancel,
        name="appointments-cancel",
    ),
    *wagtail,
]
