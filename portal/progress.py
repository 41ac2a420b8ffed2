"""The public progress page on each center's domain (/progress/): a resident enters the
receipt number and the last four digits of the applicant's phone and sees the case's public,
masked progress. The lookup and its throttle live in centers.cases.progress, which the API
shares."""

from __future__ import annotations

from django import forms
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from centers.cases.progress import (
    IP_LIMIT,
    RECEIPT_MAX_LENGTH,
    LookupThrottled,
    normalise_receipt,
    progress_lookup_limited,
    throttle_check,
)
from cityplatform.ratelimit import client_bucket

TEMPLATE = "portal/progress.html"


def rate_points(receipt_number: str) -> list[str]:
    """The points (accepted, completed) at which the case can be rated now and is not yet."""
    from centers.cases.models import Case
    from centers.ratings.selectors import open_points

    case = Case.objects.filter(receipt_number=receipt_number).first()
    return open_points(case) if case is not None else []


class ProgressForm(forms.Form):
    receipt = forms.CharField(
        label=_("Receipt number"),
        max_length=RECEIPT_MAX_LENGTH,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "off",
                "autocapitalize": "off",
                "spellcheck": "false",
            }
        ),
    )
    phone_last4 = forms.RegexField(
        label=_("Last four digits of the applicant's phone"),
        regex=r"^\d{4}$",
        error_messages={"invalid": _("Enter the last four digits of the phone number.")},
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "pattern": "[0-9]{4}",
                "maxlength": "4",
                "autocomplete": "off",
            }
        ),
    )

    def clean_receipt(self) -> str:
        return normalise_receipt(self.cleaned_data["receipt"])


@never_cache
@require_http_methods(["GET", "POST"])
def progress(request):
    """GET: the form (the receipt may come prefilled from ?receipt=, as the QR code on every
    notice links it). POST: the lookup, throttled per client address and per receipt."""
    # Who came by the QR code on a printed notice rates through the "qr" channel.
    via = "qr" if (request.GET.get("via") or request.POST.get("via")) == "qr" else ""
    context: dict = {"ip_limit": IP_LIMIT, "via": via, "rate_channel": via or "portal"}
    retry_after = None
    if request.method == "GET":
        form = ProgressForm(initial={"receipt": normalise_receipt(request.GET.get("receipt"))})
    else:
        form = ProgressForm(request.POST)
        ip = client_bucket(request)
        try:
            if form.is_valid():
                result = progress_lookup_limited(
                    receipt_number=form.cleaned_data["receipt"],
                    phone_last4=form.cleaned_data["phone_last4"],
                    client_ip=ip,
                )
                if result is None:
                    context["not_found"] = True
                    # Never echo the digits back; keep the receipt for a retry.
                    form = ProgressForm(initial={"receipt": form.cleaned_data["receipt"]})
                else:
                    context["result"] = result
                    context["rate_points"] = rate_points(result["receipt_number"])
            else:
                throttle_check(client_ip=ip, receipt_number="")
        except LookupThrottled as exc:
            retry_after = exc.retry_after
            context["throttled"] = True
            context["retry_minutes"] = max(1, -(-retry_after // 60))
            form = ProgressForm(initial={"receipt": normalise_receipt(request.POST.get("receipt"))})
    context["form"] = form
    response = render(request, TEMPLATE, context, status=429 if retry_after else 200)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    response["X-Robots-Tag"] = "noindex"
    return response
