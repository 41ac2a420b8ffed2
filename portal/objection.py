"""The public objection page on each center's domain: /objection/<receipt>/ (seed plan 1,
退回件: 如行政相对人对办理结果提出异议,承办人应明确答复,并说明理由).

The applicant first proves the case is theirs with the last four digits of the applicant's
phone, exactly as the progress lookup checks it (a wrong pair answers like an unknown receipt;
every attempt is throttled with the progress lookup's counters); the session then remembers
the case. The page shows the objections filed and their written answers, and, while the
result is a refusal or a denial with no objection waiting, the form to file one (csrf, a
honeypot, the phone's daily SMS cap, since the applicant is texted the answer's date). A
filed objection is confirmed on the page with the date by which the answer is due. The rule
and the write are centers.cases.objections."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from centers.cases import objections
from centers.cases.models import Case, CaseObjection
from centers.cases.progress import IP_LIMIT, normalise_receipt
from cityplatform import ratelimit

from . import resident_case
from .resident_case import VerifyForm

TEMPLATE = "portal/objection.html"


class ObjectionForm(forms.Form):
    text = forms.CharField(
        label=_("What do you object to, and why?"),
        max_length=objections.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
    )


SCOPE = "objection"


def _render(request, context: dict, status: int = 200):
    response = render(request, TEMPLATE, context, status=status)
    response["X-Robots-Tag"] = "noindex"
    return response


def _back(receipt: str, **query) -> HttpResponseRedirect:
    url = reverse("objection", args=[receipt])
    return HttpResponseRedirect(f"{url}?{urlencode(query)}" if query else url)


def _case_context(case: Case, context: dict, form=None) -> dict:
    refusal = objections.objection_refusal(case)
    context.update(
        case=case,
        objections=list(case.objections.order_by("filed_at", "pk")),
        form=(form or ObjectionForm()) if refusal is None else None,
        refusal=refusal,
    )
    return context


@never_cache
@require_http_methods(["GET", "POST"])
def objection(request, receipt: str):
    receipt = normalise_receipt(receipt)
    context: dict = {"receipt": receipt, "ip_limit": IP_LIMIT}
    case = resident_case.session_case(request, SCOPE, receipt)
    if request.method == "GET":
        if case is None:
            context["verify_form"] = VerifyForm()
            return _render(request, context)
        context["filed"] = bool(request.GET.get("filed"))
        return _render(request, _case_context(case, context))

    refusal = resident_case.post_refusal(request, receipt, context, _render)
    if refusal is not None:
        return refusal
    if request.POST.get("action") == "verify" or case is None:
        return _verify(request, receipt, context)
    return _file(request, case, context)


def _verify(request, receipt: str, context: dict):
    if resident_case.verify(request, SCOPE, receipt, context) is None:
        return _render(request, context)
    return _back(receipt)


def _file(request, case: Case, context: dict):
    form = ObjectionForm(request.POST)
    if form.is_valid():
        try:
            if case.applicant_phone:
                ratelimit.sms_quota_require(case.applicant_phone, field="text")
            objections.objection_file(
                actor=None,
                case=case,
                text=form.cleaned_data["text"],
                channel=CaseObjection.Channel.ONLINE,
            )
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, messages)
        else:
            return _back(case.receipt_number, filed="1")
    return _render(request, _case_context(case, context, form=form), status=400)
