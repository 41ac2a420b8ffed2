"""The ledger's admin screens (Wagtail admin, center domains, HANDLE_CASES): the day's ledger
with its counts, the daily fee report with the pay and waive actions, and the exports. The
views parse input and call the selectors, fees.py and the ledger's services."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from centers.cases import fees
from centers.cases.models import CaseFee
from cityplatform.admin_views import AdminScreenMixin
from tenants.accounts.permissions import Capability, can, on_center_domain

from . import exports, selectors, services
from .forms import DayForm, RangeForm


def case_staff(user) -> bool:
    return on_center_domain() and can(user, Capability.HANDLE_CASES)


class CaseStaffRequired:
    """Center domains only, for the center's case staff (window staff and the director)."""

    def dispatch(self, request, *args, **kwargs):
        if not case_staff(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class LedgerView(CaseStaffRequired, AdminScreenMixin, TemplateView):
    template_name = "ledger/admin/index.html"
    page_title = gettext_lazy("Ledger (台帐)")
    header_icon = "list-ul"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = DayForm(self.request.GET or None)
        day, window = form.day_value(), form.window_value()
        context.update(
            form=form,
            day=day,
            query=form.query(),
            counts=selectors.day_counts(day, window),
            rows=selectors.ledger_rows(day, window),
            range_form=RangeForm(initial={"start": day.replace(day=1), "end": day}),
            max_days=selectors.HISTORY_MAX_DAYS,
        )
        return context


class FeesView(CaseStaffRequired, AdminScreenMixin, TemplateView):
    template_name = "ledger/admin/fees.html"
    page_title = gettext_lazy("Daily fee report (统一收费)")
    header_icon = "doc-full"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = DayForm(self.request.GET or None)
        day, window = form.day_value(), form.window_value()
        receipt = (self.request.GET.get("receipt") or "").strip()[:32]
        context.update(
            form=form,
            day=day,
            query=form.query(),
            report=selectors.fee_report(day, window),
            receipt=receipt,
            case_fees=selectors.case_fees(receipt) if receipt else None,
            can_waive=fees.may_waive(self.request.user),
        )
        return context


class FeeActionView(CaseStaffRequired, View):
    """POST pay or waive one fee, then back to the report the form was on."""

    action = ""

    def post(self, request, pk: int):
        fee = get_object_or_404(CaseFee.objects.select_related("case"), pk=pk)
        try:
            if self.action == "pay":
                fees.fee_pay(
                    actor=request.user,
                    fee=fee,
                    payment_reference=request.POST.get("payment_reference", ""),
                )
                messages.success(
                    request,
                    _("The payment of “%(item)s” (%(receipt)s) is recorded.")
                    % {"item": fee.item, "receipt": fee.case.receipt_number},
                )
            else:
                fees.fee_waive(
                    actor=request.user,
                    fee=fee,
                    reason=request.POST.get("reason", ""),
                    **{key: request.POST.get(key, "") for key in fees.WAIVER_FIELDS},
                )
                messages.success(
                    request,
                    _("“%(item)s” (%(receipt)s) is waived.")
                    % {"item": fee.item, "receipt": fee.case.receipt_number},
                )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except PermissionDenied as exc:
            messages.error(request, str(exc) or _("You may not do this."))
        return redirect(self._back(request))

    @staticmethod
    def _back(request) -> str:
        form = DayForm(request.POST)
        url = f"{reverse('ledger_fees')}?{form.query()}"
        receipt = (request.POST.get("receipt") or "").strip()[:32]
        if receipt.isalnum():
            url += f"&receipt={receipt}"
        return url


def _filename(what: str, *days) -> str:
    return "-".join([what, *(day.strftime("%Y%m%d") for day in days)]) + ".xlsx"


def export_view(request, what: str):
    """/admin/ledger/export/<ledger|fees|history>/: the xlsx, recorded in the audit."""
    if not case_staff(request.user):
        raise PermissionDenied
    if what in ("ledger", "fees"):
        form = DayForm(request.GET or None)
        day, window = form.day_value(), form.window_value()
        export = services.ledger_export if what == "ledger" else services.fees_export
        content = export(actor=request.user, day=day, window=window)
        filename = _filename(what, day)
    elif what == "history":
        form = RangeForm(request.GET)
        start = form.cleaned_data.get("start") if form.is_valid() else None
        end = form.cleaned_data.get("end") if form.is_valid() else None
        try:
            content = services.history_export(actor=request.user, start=start, end=end)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("ledger_index")
        filename = _filename("process-history", start, end)
    else:
        raise Http404
    response = HttpResponse(content, content_type=exports.CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
