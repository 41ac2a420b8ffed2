"""The ratings list in Wagtail admin (center domains, staff who handle cases): every 好差评
rating with its level, point, channel, case, reasons and additions, filtered by level."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from cityplatform.admin_views import AdminScreenMixin
from tenants.accounts.permissions import Capability, can, on_center_domain

from . import selectors
from .models import Level

PAGE_SIZE = 50


def ratings_staff(user) -> bool:
    return on_center_domain() and can(user, Capability.HANDLE_CASES)


class RatingListView(AdminScreenMixin, TemplateView):
    template_name = "ratings/admin/index.html"
    page_title = gettext_lazy("Ratings (好差评)")
    header_icon = "pick"

    def dispatch(self, request, *args, **kwargs):
        if not ratings_staff(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        try:
            level = int(self.request.GET.get("level", ""))
        except ValueError:
            level = 0
        level = level if level in Level.values else 0
        page = Paginator(selectors.ratings_list(level=level or None), PAGE_SIZE).get_page(
            self.request.GET.get("p")
        )
        summary = selectors.ratings_summary()
        context.update(
            page_obj=page,
            level=level,
            levels=[(v, label, summary["by_level"][v]) for v, label in Level.choices],
            summary=summary,
            good_percent=round(summary["good_rate"] * 100, 1)
            if summary["good_rate"] is not None
            else None,
        )
        return context
