"""The ratings list in Wagtail admin, on center domains, for the staff who handle cases:
/admin/ratings/."""

from django.urls import path, reverse_lazy
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import views


class RatingsMenuItem(MenuItem):
    def is_shown(self, request):
        return views.ratings_staff(request.user)


@hooks.register("register_admin_urls")
def register_ratings_urls():
    return [path("ratings/", views.RatingListView.as_view(), name="ratings_index")]


@hooks.register("register_admin_menu_item")
def register_ratings_menu():
    return RatingsMenuItem(
        _("Ratings (好差评)"),
        reverse_lazy("ratings_index"),
        name="ratings",
        icon_name="pick",
        order=176,
    )
