"""The scored evaluation's admin screens and menu (city and center domains)."""

from django.urls import path, reverse_lazy
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import selectors, views


class EvaluationMenuItem(MenuItem):
    def is_shown(self, request):
        user = request.user
        return (
            selectors.is_city_admin(user)
            or selectors.is_evaluator(user)
            or selectors.is_district_supervisor(user)
            or selectors.is_center_director(user)
        )


@hooks.register("register_admin_urls")
def register_scoring_urls():
    return [
        path("evaluation/", views.HomeView.as_view(), name="scoring_home"),
        path("evaluation/rubrics/", views.RubricListView.as_view(), name="scoring_rubrics"),
        path(
            "evaluation/rubrics/<int:pk>/", views.RubricDetailView.as_view(), name="scoring_rubric"
        ),
        path(
            "evaluation/rubrics/<int:pk>/export/",
            views.rubric_export,
            name="scoring_rubric_export",
        ),
        path("evaluation/rounds/", views.RoundListView.as_view(), name="scoring_rounds"),
        path("evaluation/rounds/<int:pk>/", views.RoundDetailView.as_view(), name="scoring_round"),
        path(
            "evaluation/rounds/<int:pk>/publish/",
            views.RoundPublishView.as_view(),
            name="scoring_round_publish",
        ),
        path(
            "evaluation/assignments/",
            views.MyAssignmentsView.as_view(),
            name="scoring_assignments",
        ),
        path(
            "evaluation/scorecards/<int:pk>/",
            views.ScorecardView.as_view(),
            name="scoring_scorecard",
        ),
        path("evaluation/evidence/<int:pk>/", views.evidence_file, name="scoring_evidence"),
        path(
            "evaluation/evidence/<int:pk>/thumbnail/",
            views.evidence_file,
            {"thumb": True},
            name="scoring_evidence_thumb",
        ),
        path("evaluation/appeals/", views.AppealListView.as_view(), name="scoring_appeals"),
        path(
            "evaluation/appeals/<int:pk>/", views.AppealAnswerView.as_view(), name="scoring_appeal"
        ),
        path("evaluation/results/<int:pk>/", views.ResultView.as_view(), name="scoring_result"),
    ]


@hooks.register("register_admin_menu_item")
def register_scoring_menu():
    return EvaluationMenuItem(
        _("Scored evaluation (考核评价)"),
        reverse_lazy("scoring_home"),
        name="scoring",
        icon_name="tasks",
        order=182,
    )
