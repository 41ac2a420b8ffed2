"""The public 好差评 page on each center's domain: /rate/<receipt>/. A resident first proves
the case is theirs with the last four digits of the applicant's phone (a wrong pair answers
like an unknown receipt; every attempt is throttled with the progress lookup's counters, an
IPv6 /64 counting as one address; a 差评, whose reply is texted, counts against the phone's
daily SMS cap of the public forms); the
session then remembers the case, and the page offers the rating for each open point, shows
the ratings given and lets the resident add to them. ?point= preselects the point and
?channel= (qr, portal, tablet) records where the rating came from. The rules live in
centers.ratings; rating is voluntary and nothing else waits for it."""

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

from centers.cases.models import Case
from centers.cases.progress import (
    IP_LIMIT,
    normalise_receipt,
)
from centers.ratings import selectors, services
from centers.ratings.models import BAD_LEVELS, Level, Point, Rating, RatingChannel
from cityplatform import ratelimit

from . import resident_case
from .resident_case import VerifyForm

TEMPLATE = "portal/ratings/rate.html"


class RateForm(forms.Form):
    point = forms.ChoiceField(label=_("When are you rating?"), widget=forms.RadioSelect)
    level = forms.TypedChoiceField(
        label=_("How satisfied are you overall?"),
        choices=Level.choices,
        coerce=int,
        widget=forms.RadioSelect,
    )
    reasons = forms.CharField(
        label=_("Reasons (required for 不满意 and 非常不满意)"),
        required=False,
        max_length=services.REASONS_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, case: Case, points: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["point"].choices = [(p, Point(p).label) for p in points]
        self.dimension_names = []
        for key, label in services.dimensions_for(case).items():
            name = f"dim_{key}"
            self.fields[name] = forms.TypedChoiceField(
                label=label,
                choices=Level.choices,
                coerce=int,
                required=False,
                widget=forms.RadioSelect,
            )
            self.dimension_names.append(name)

    def dimension_fields(self):
        return [self[name] for name in self.dimension_names]

    def dimensions(self) -> dict:
        return {
            name.removeprefix("dim_"): self.cleaned_data.get(name)
            for name in self.dimension_names
            if self.cleaned_data.get(name) not in (None, "")
        }


class AddForm(forms.Form):
    rating = forms.IntegerField(widget=forms.HiddenInput)
    text = forms.CharField(
        label=_("Add to your rating"),
        max_length=services.ADDITION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


SCOPE = "rate"


def _channel(value: str | None) -> str:
    return value if value in RatingChannel.values else RatingChannel.PORTAL


def _back(receipt: str, point: str, channel: str, **extra) -> HttpResponseRedirect:
    query = {"channel": channel} | ({"point": point} if point in Point.values else {}) | extra
    return HttpResponseRedirect(f"{reverse('rate', args=[receipt])}?{urlencode(query)}")


def _render(request, context: dict, status: int = 200):
    response = render(request, TEMPLATE, context, status=status)
    response["X-Robots-Tag"] = "noindex"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def rate(request, receipt: str):
    receipt = normalise_receipt(receipt)
    source = request.GET if request.method == "GET" else request.POST
    point = source.get("point", "")
    point = point if point in Point.values else ""
    channel = _channel(source.get("channel"))
    context: dict = {
        "receipt": receipt,
        "point": point,
        "channel": channel,
        "ip_limit": IP_LIMIT,
    }
    case = resident_case.session_case(request, SCOPE, receipt)

    if request.method == "POST":
        refusal = resident_case.post_refusal(request, receipt, context, _render)
        if refusal is not None:
            return refusal
        action = request.POST.get("action", "")
        if action == "verify" or case is None:
            return _verify(request, receipt, point, channel, context)
        if action == "add":
            return _add(request, case, point, channel, context)
        return _rate(request, case, point, channel, context)

    if case is None:
        context["verify_form"] = VerifyForm()
        return _render(request, context)
    context.update(rated=bool(request.GET.get("rated")), added=bool(request.GET.get("added")))
    return _render(request, _case_context(case, point, context))


def _verify(request, receipt, point, channel, context):
    if resident_case.verify(request, SCOPE, receipt, context) is None:
        return _render(request, context)
    return _back(receipt, point, channel)


def _case_context(case: Case, point: str, context: dict, *, rate_form=None, add_form=None):
    points = selectors.open_points(case)
    if rate_form is None and points:
        rate_form = RateForm(
            case=case,
            points=points,
            initial={"point": point if point in points else points[0]},
        )
    context.update(
        case=case,
        ratings=selectors.case_ratings(case),
        rate_form=rate_form if points else None,
        add_form=add_form,
        nothing_open=not points,
    )
    return context


def _rate(request, case, point, channel, context):
    form = RateForm(request.POST, case=case, points=list(Point.values))
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["level"] in BAD_LEVELS and case.applicant_phone:
                # A 差评 opens a rectification whose reply is texted to the applicant.
                ratelimit.sms_quota_require(case.applicant_phone, field="level")
            rating = services.rating_submit(
                case=case,
                point=data["point"],
                level=data["level"],
                dimensions=form.dimensions(),
                reasons=data["reasons"],
                channel=channel,
            )
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, messages)
        else:
            return _back(case.receipt_number, rating.point, channel, rated="1")
    form.fields["point"].choices = [
        (p, Point(p).label) for p in selectors.open_points(case)
    ] or form.fields["point"].choices
    return _render(request, _case_context(case, point, context, rate_form=form))


def _add(request, case, point, channel, context):
    form = AddForm(request.POST)
    if form.is_valid():
        rating = Rating.objects.filter(pk=form.cleaned_data["rating"], case=case).first()
        if rating is None:
            form.add_error(None, _("Unknown rating."))
        else:
            try:
                services.rating_add(rating=rating, text=form.cleaned_data["text"])
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                return _back(case.receipt_number, point, channel, added="1")
    return _render(request, _case_context(case, point, context, add_form=form))
