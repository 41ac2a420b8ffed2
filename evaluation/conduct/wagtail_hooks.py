"""Wagtail admin: the conduct campaign screens (/admin/conduct/, both kinds of domain) and the
city administrator's ranking files of any round (/admin/evaluation/rounds/<id>/ranking.xlsx
and report.pdf, a preview for a round not yet published)."""

from django.urls import path, reverse_lazy
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import exports, views


class ConductMenuItem(MenuItem):
    def is_shown(self, request):
        return views.center_director(request.user) or views.city_staff(request.user)


@hooks.register("register_admin_urls")
def register_conduct_urls():
    return [
        path("conduct/", views.IndexView.as_view(), name="conduct_index"),
        path("conduct/new/", views.CreateView.as_view(), name="conduct_create"),
        path("conduct/<int:pk>/", views.CampaignView.as_view(), name="conduct_campaign"),
        path(
            "conduct/<int:pk>/centers/<int:center_id>/",
            views.FillView.as_view(),
            name="conduct_fill",
        ),
        path(
            "conduct/evaluations/<int:pk>/",
            views.EvaluationView.as_view(),
            name="conduct_evaluation",
        ),
        path(
            "evaluation/rounds/<int:round_id>/ranking.xlsx",
            exports.admin_ranking_xlsx,
            name="conduct_round_ranking_xlsx",
        ),
        path(
            "evaluation/rounds/<int:round_id>/report.pdf",
            exports.admin_ranking_pdf,
            name="conduct_round_report_pdf",
        ),
    ]


@hooks.register("register_admin_menu_item")
def register_conduct_menu():
    return ConductMenuItem(
        _("Conduct campaigns (作风建设)"),
        reverse_lazy("conduct_index"),
        name="conduct",
        icon_name="tasks",
        order=179,
    )
