"""The exchange queue (Wagtail admin, center domains): the messages this center sent to or
received from another center, with each one's state, attempts and last error, and a retry
for a failed or waiting one. Case staff (HANDLE_CASES) only; never another center's."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from cityplatform.admin_views import AdminScreenMixin
from tenants.accounts.permissions import Capability, can, on_city_domain
from tenants.exchange import selectors, services
from tenants.exchange.models import MessageKind, MessageState
from tenants.selectors import current_center

from .states import CaseStatus

PAGE_SIZE = 50
RETRYABLE = (MessageState.FAILED, MessageState.PENDING)


def _status_label(status) -> str:
    """The case status a message carries (the sender's case), for the queue's rows."""
    return str(CaseStatus(status).label) if status in CaseStatus.values else ""


def _require_case_staff(request) -> None:
    if on_city_domain() or not can(request.user, Capability.HANDLE_CASES):
        raise PermissionDenied


class ExchangeQueueView(AdminScreenMixin, TemplateView):
    template_name = "cases/exchange/queue.html"
    page_title = gettext_lazy("Exchange queue")
    header_icon = "resubmit"

    def dispatch(self, request, *args, **kwargs):
        _require_case_staff(request)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        center = current_center()
        state = self.request.GET.get("state") or ""
        kind = self.request.GET.get("kind") or ""
        state = state if state in MessageState.values else ""
        kind = kind if kind in MessageKind.values else ""
        page = Paginator(
            selectors.messages_of_center(center, state=state or None, kind=kind or None),
            PAGE_SIZE,
        ).get_page(self.request.GET.get("page"))
        counts = selectors.state_counts(center)
        rows = []
        for message in page.object_list:
            sent = message.sender_id == center.pk
            rows.append(
                {
                    "message": message,
                    "sent": sent,
                    "other": message.recipient if sent else message.sender,
                    "our_receipt": (
                        message.sender_reference if sent else message.recipient_reference
                    ),
                    "their_receipt": (
                        message.recipient_reference if sent else message.sender_reference
                    ),
                    "retryable": message.state in RETRYABLE,
                    "case_status": _status_label(message.payload.get("status")),
                }
            )
        context.update(
            rows=rows,
            page=page,
            state=state,
            kind=kind,
            states=MessageState.choices,
            kinds=MessageKind.choices,
            counts=[(label, counts[value]) for value, label in MessageState.choices],
        )
        return context


@require_POST
def exchange_retry_view(request, pk):
    _require_case_staff(request)
    center = current_center()
    message = get_object_or_404(selectors.messages_of_center(center), pk=pk)
    try:
        services.exchange_message_retry(actor=request.user, message=message)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The message has been queued for delivery again."))
    back = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = ""
    return redirect(back or reverse("cases_exchange"))
