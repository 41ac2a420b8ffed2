"""A resident's access to one case on the public pages that act on it (/rate/<receipt>/ and
/objection/<receipt>/): the applicant proves the case is theirs with the last four digits of
the applicant's phone, exactly as the progress lookup checks it (a wrong pair answers like an
unknown receipt; every POST is throttled with the progress lookup's counters, an IPv6 /64
counting as one address, and a filled honeypot is refused), and the session then remembers
the case under the page's own scope."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.db import connection
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _

from centers.cases.models import Case
from centers.cases.progress import LookupThrottled, throttle_check, throttle_failure
from centers.ratings.selectors import case_for_resident
from cityplatform.ratelimit import client_bucket

from .spam import honeypot_filled

Render = Callable[..., HttpResponse]


class VerifyForm(forms.Form):
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


def _session_key(scope: str, receipt: str) -> str:
    return f"{scope}:{connection.schema_name}:{receipt}"


def session_case(request, scope: str, receipt: str) -> Case | None:
    """The case this session proved for `receipt` on the `scope` page, if any."""
    pk = request.session.get(_session_key(scope, receipt)) if hasattr(request, "session") else None
    if not pk:
        return None
    return Case.objects.filter(pk=pk, receipt_number=receipt).first()


def post_refusal(request, receipt: str, context: dict, render: Render) -> HttpResponse | None:
    """The answer to a POST that may not go on (429 throttled, 400 honeypot), or None."""
    try:
        throttle_check(client_ip=client_bucket(request), receipt_number=receipt)
    except LookupThrottled as exc:
        context.update(
            throttled=True,
            retry_minutes=max(1, -(-exc.retry_after // 60)),
            verify_form=VerifyForm(),
        )
        response = render(request, context, status=429)
        response["Retry-After"] = str(exc.retry_after)
        return response
    if honeypot_filled(request.POST):
        context.update(refused=True, verify_form=VerifyForm())
        return render(request, context, status=400)
    return None


def verify(request, scope: str, receipt: str, context: dict) -> Case | None:
    """Check the posted phone digits: the case, remembered by the session (a new session key,
    as after a login), or None with the form (and `not_found`) put in `context`."""
    form = VerifyForm(request.POST)
    case = None
    if form.is_valid():
        case = case_for_resident(receipt, form.cleaned_data["phone_last4"])
        if case is None:
            throttle_failure(receipt)
            context["not_found"] = True
            form = VerifyForm()
    if case is None:
        context["verify_form"] = form
        return None
    request.session.cycle_key()
    request.session[_session_key(scope, receipt)] = case.pk
    return case
