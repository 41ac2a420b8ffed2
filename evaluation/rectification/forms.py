"""One form per step; the services hold the rules, these only read the typed input."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import DEADLINE_MAX_DAYS, DEADLINE_MIN_DAYS
from .services import REPLY_MAX_LENGTH, TEXT_MAX_LENGTH


def _text(label, *, required=True, max_length=TEXT_MAX_LENGTH):
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CallBackForm(forms.Form):
    called_on = forms.DateField(
        label=_("Called on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    outcome = _text(_("Outcome of the call"))


class ReplyForm(forms.Form):
    text = _text(_("Reply to the resident (sent by SMS)"), max_length=REPLY_MAX_LENGTH)


class ReportForm(forms.Form):
    report = _text(_("Rectification report"))


class AppealForm(forms.Form):
    reasons = _text(_("Reasons of the appeal"))
    evidence = _text(_("Evidence"), required=False)


class ApproveForm(forms.Form):
    note = _text(_("Note"), required=False)


class ReturnForm(forms.Form):
    note = _text(_("What the center must add"))


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("upheld", _("Upheld (申诉成立)")), ("rejected", _("Rejected (申诉不成立)"))],
        widget=forms.RadioSelect,
    )
    answer = _text(_("Answer to the center"))


class PolicyForm(forms.Form):
    deadline_working_days = forms.IntegerField(
        label=_("Deadline of a rectification (working days)"),
        min_value=DEADLINE_MIN_DAYS,
        max_value=DEADLINE_MAX_DAYS,
    )


CENTER_STEPS = {
    "call_back": CallBackForm,
    "reply": ReplyForm,
    "submit": ReportForm,
    "appeal": AppealForm,
}
DISTRICT_STEPS = {
    "approve": ApproveForm,
    "return": ReturnForm,
    "decide": DecideForm,
}
