"""The public complaint, suggestion and question pages on each center's domain:
/complaints/ (the form, then the tracking number and, for an anonymous sender, the access code
shown once) and /complaints/track/ (the status and the reply, by the tracking number and the
phone's last four digits or the access code). Both are throttled per client address (an IPv6
/64 counts as one); the form carries a honeypot field, and a phone given for the reply counts
against the day's SMS cap of the public forms. The rules live in centers.feedback."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from centers.catalog.models import LocalMatter
from centers.feedback import selectors, services, throttle
from centers.feedback.models import FeedbackKind
from cityplatform import ratelimit
from cityplatform.ratelimit import client_bucket

from .spam import honeypot_field, honeypot_filled

SESSION_KEY = "feedback_submitted"


class FeedbackForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What would you like to send?"),
        choices=FeedbackKind.choices,
        initial=FeedbackKind.QUESTION,
        widget=forms.RadioSelect,
    )
    text = forms.CharField(
        label=_("Your complaint, suggestion or question"),
        max_length=services.TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    matter_code = forms.CharField(
        label=_("Matter code (optional)"),
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    receipt_number = forms.CharField(
        label=_("Receipt number of your case (optional)"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    name = forms.CharField(
        label=_("Your name (optional)"),
        required=False,
        max_length=services.NAME_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = forms.CharField(
        label=_("Your phone (optional)"),
        required=False,
        max_length=20,
        help_text=_(
            "With a phone, you read the reply with its last four digits. Without one, you stay "
            "anonymous and get an access code instead."
        ),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    website = honeypot_field()


class TrackForm(forms.Form):
    number = forms.CharField(
        label=_("Tracking number"),
        max_length=selectors.TRACKING_MAX_LENGTH + 8,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    secret = forms.CharField(
        label=_("Last four digits of your phone, or your access code"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )

    def clean_number(self) -> str:
        return selectors.normalise_tracking(self.cleaned_data["number"])


def _throttled(request, template: str, context: dict, retry_after: int):
    context.update(throttled=True, retry_minutes=max(1, -(-retry_after // 60)))
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(retry_after)
    response["X-Robots-Tag"] = "noindex"
    return response


def _matter_name(code: str) -> str:
    if not code:
        return ""
    return LocalMatter.objects.filter(code=code).values_list("name", flat=True).first() or ""


@never_cache
@require_http_methods(["GET", "POST"])
def complaints(request):
    """GET: the form (the matter may come prefilled from ?matter=, as the guides link it), or
    once after sending, the tracking number and access code. POST: throttled per address; a
    filled honeypot saves nothing."""
    template = "portal/feedback/form.html"
    context: dict = {"submit_limit": throttle.SUBMIT_LIMIT}
    if request.method == "GET":
        submitted = request.session.pop(SESSION_KEY, None) if hasattr(request, "session") else None
        if submitted:
            response = render(request, "portal/feedback/thanks.html", submitted)
            response["X-Robots-Tag"] = "noindex"
            return response
        code = (request.GET.get("matter") or "").strip()[:64]
        matter_name = _matter_name(code)
        context.update(
            form=FeedbackForm(initial={"matter_code": code if matter_name else ""}),
            matter_name=matter_name,
        )
        return render(request, template, context)

    form = FeedbackForm(request.POST)
    try:
        throttle.submit_check(client_bucket(request))
    except throttle.Throttled as exc:
        context["form"] = form
        return _throttled(request, template, context, exc.retry_after)
    if honeypot_filled(request.POST):
        context.update(form=FeedbackForm(), refused=True)
        return render(request, template, context, status=400)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["phone"]:
                # The sender's phone is for the reply: it counts against the day's SMS cap.
                ratelimit.sms_quota_require(data["phone"], field="phone")
            result = services.feedback_submit(
                kind=data["kind"],
                text=data["text"],
                name=data["name"],
                phone=data["phone"],
                matter_code=data["matter_code"],
                receipt_number=data["receipt_number"],
            )
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, messages)
        else:
            request.session[SESSION_KEY] = {
                "tracking_number": result.feedback.tracking_number,
                "access_code": result.access_code,
                "kind_label": str(FeedbackKind(result.feedback.kind).label),
            }
            return redirect("complaints")
    context.update(form=form, matter_name=_matter_name(request.POST.get("matter_code", "")))
    return render(request, template, context, status=200)


@never_cache
@require_http_methods(["GET", "POST"])
def complaints_track(request):
    """GET: the form (the number may come prefilled from ?number=). POST: the lookup, throttled
    per address and per tracking number; a wrong pair answers exactly like an unknown number."""
    template = "portal/feedback/track.html"
    context: dict = {"ip_limit": throttle.TRACK_IP_LIMIT}
    if request.method == "GET":
        number = selectors.normalise_tracking(request.GET.get("number"))
        context["form"] = TrackForm(initial={"number": number})
        return render(request, template, context)
    form = TrackForm(request.POST)
    number = selectors.normalise_tracking(request.POST.get("number"))
    try:
        throttle.track_check(client_bucket(request), number)
    except throttle.Throttled as exc:
        context["form"] = TrackForm(initial={"number": number})
        return _throttled(request, template, context, exc.retry_after)
    if form.is_valid():
        result = selectors.feedback_lookup(number, form.cleaned_data["secret"])
        if result is None:
            throttle.track_failure(number)
            context["not_found"] = True
            # Never echo the second factor back; keep the number for a retry.
            form = TrackForm(initial={"number": number})
        else:
            context["result"] = result
    context["form"] = form
    response = render(request, template, context)
    response["X-Robots-Tag"] = "noindex"
    return response
