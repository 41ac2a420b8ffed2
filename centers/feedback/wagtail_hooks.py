"""Complaints, suggestions and questions in Wagtail admin, on center domains, for the staff
who answer residents: /admin/feedback/ (the list) and /admin/feedback/<pk>/ (one, with its
actions)."""

from django.urls import path, reverse_lazy
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import views


class FeedbackMenuItem(MenuItem):
    def is_shown(self, request):
        return views.feedback_staff(request.user)


@hooks.register("register_admin_urls")
def register_feedback_urls():
    return [
        path("feedback/", views.FeedbackListView.as_view(), name="feedback_index"),
        path("feedback/<int:pk>/", views.FeedbackDetailView.as_view(), name="feedback_detail"),
        *(
            path(
                f"feedback/<int:pk>/{action}/",
                views.FeedbackActionView.as_view(action=action),
                name=f"feedback_{action}",
            )
            for action in ("reply", "close", "publish", "unpublish")
        ),
    ]


@hooks.register("register_admin_menu_item")
def register_feedback_menu():
    return FeedbackMenuItem(
        _("Complaints and questions (投诉建议咨询)"),
        reverse_lazy("feedback_index"),
        name="feedback",
        icon_name="mail",
        order=175,
    )
