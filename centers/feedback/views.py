"""The feedback screens in Wagtail admin (center domains, staff who answer residents): the
list with its status and kind filters, and one feedback with its reply, close and
publish-as-FAQ actions. The views parse input and call the selectors and services."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from cityplatform.admin_views import AdminScreenMixin
from tenants.accounts.permissions import on_center_domain

from . import selectors, services
from .models import Feedback, FeedbackKind, FeedbackStatus

PAGE_SIZE = 50


def feedback_staff(user) -> bool:
    return on_center_domain() and services.may_handle(user)


class FeedbackStaffRequired:
    """Center domains only, for the staff who answer residents."""

    def dispatch(self, request, *args, **kwargs):
        if not feedback_staff(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class FeedbackListView(FeedbackStaffRequired, AdminScreenMixin, TemplateView):
    template_name = "feedback/admin/index.html"
    page_title = gettext_lazy("Complaints, suggestions and questions")
    header_icon = "mail"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        status = self.request.GET.get("status", "")
        kind = self.request.GET.get("kind", "")
        status = status if status in FeedbackStatus.values else ""
        kind = kind if kind in FeedbackKind.values else ""
        page = Paginator(selectors.staff_list(status=status, kind=kind), PAGE_SIZE).get_page(
            self.request.GET.get("p")
        )
        counts = selectors.status_counts()
        context.update(
            page_obj=page,
            status=status,
            kind=kind,
            statuses=[(v, label, counts[v]) for v, label in FeedbackStatus.choices],
            kinds=FeedbackKind.choices,
        )
        return context


class FeedbackDetailView(FeedbackStaffRequired, AdminScreenMixin, TemplateView):
    template_name = "feedback/admin/detail.html"
    header_icon = "mail"
    breadcrumbs_items = [
        {"url": reverse_lazy("wagtailadmin_home"), "label": gettext_lazy("Home")},
        {"url": reverse_lazy("feedback_index"), "label": FeedbackListView.page_title},
    ]

    def get_page_title(self):
        return _("%(kind)s %(number)s") % {
            "kind": FeedbackKind(self.feedback.kind).label,
            "number": self.feedback.tracking_number,
        }

    def dispatch(self, request, *args, **kwargs):
        if feedback_staff(request.user):
            self.feedback = get_object_or_404(Feedback, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        feedback = self.feedback
        context.update(
            feedback=feedback,
            events=selectors.feedback_history(feedback),
            closed=feedback.status == FeedbackStatus.CLOSED,
            can_publish=services.may_publish(self.request.user)
            and feedback.kind == FeedbackKind.QUESTION,
        )
        return context


class FeedbackActionView(FeedbackStaffRequired, View):
    """POST reply, close, publish or unpublish one feedback, then back to it."""

    action = ""

    def post(self, request, pk: int):
        feedback = get_object_or_404(Feedback, pk=pk)
        try:
            if self.action == "reply":
                services.feedback_reply(
                    actor=request.user, feedback=feedback, text=request.POST.get("text", "")
                )
                messages.success(request, _("The reply is saved; the sender can read it now."))
            elif self.action == "close":
                services.feedback_close(
                    actor=request.user, feedback=feedback, reason=request.POST.get("reason", "")
                )
                messages.success(request, _("Closed."))
            elif self.action == "publish":
                services.question_publish_as_faq(
                    actor=request.user,
                    feedback=feedback,
                    question=request.POST.get("question", ""),
                )
                messages.success(request, _("Published on the matter's guide."))
            else:
                services.question_unpublish(actor=request.user, feedback=feedback)
                messages.success(request, _("Taken off the matter's guide."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except PermissionDenied as exc:
            messages.error(request, str(exc) or _("You may not do this."))
        return redirect("feedback_detail", pk=feedback.pk)
