"""Forms of the workspace's own admin screens (profile, week grid, my attendance). They only
parse input; the services decide."""

import datetime
import re

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import CenterRule, Weekday


class ProfileForm(forms.Form):
    name = forms.CharField(label=_("official name"), max_length=100)
    address = forms.CharField(label=_("address"), max_length=200, required=False)
    phone = forms.CharField(label=_("phone"), max_length=30, required=False)
    supervision_phone = forms.CharField(label=_("supervision phone"), max_length=30, required=False)
    director_name = forms.CharField(label=_("director"), max_length=50, required=False)
    deputy_name = forms.CharField(label=_("deputy director"), max_length=50, required=False)
    floor_area_m2 = forms.DecimalField(
        label=_("floor area (m²)"), max_digits=8, decimal_places=1, required=False
    )
    rules_kept = forms.MultipleChoiceField(
        label=_("rules kept"),
        choices=CenterRule.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    urgent_target_percent = forms.IntegerField(
        label=_("急办 target (percentage of the promised days)"),
        min_value=1,
        max_value=100,
        initial=50,
        required=False,
        help_text=_("An urgent case's internal target, rounded up to whole working days."),
    )
    photo = forms.FileField(
        label=_("add a photo"),
        required=False,
        help_text=_("JPEG, PNG, GIF or WebP; at most 5 MB and 4000×4000 pixels."),
    )
    photo_title = forms.CharField(label=_("photo title"), max_length=255, required=False)
    remove_photos = forms.MultipleChoiceField(
        label=_("remove photos"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, photos=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["remove_photos"].choices = [(str(p.pk), p.title) for p in photos]
        if not photos:
            del self.fields["remove_photos"]


SPAN = re.compile(r"^(\d{1,2}):(\d{2})\s*[-–~至]\s*(\d{1,2}):(\d{2})$")


def _time(hour: str, minute: str) -> datetime.time:
    return datetime.time(int(hour), int(minute))


class WeekGridField(forms.CharField):
    """One weekday's intervals typed as "08:30-12:00, 13:30-17:30" (empty: closed)."""

    def to_python(self, value):
        text = super().to_python(value)
        spans = []
        for part in re.split(r"[,，;；\s]+(?=\d)", text.strip()) if text.strip() else []:
            match = SPAN.match(part.strip())
            try:
                if not match:
                    raise ValueError
                spans.append((_time(*match.group(1, 2)), _time(*match.group(3, 4))))
            except ValueError:
                raise forms.ValidationError(
                    _("Write the hours as 08:30-12:00, 13:30-17:30; not %(part)s.")
                    % {"part": part.strip()}
                ) from None
        return spans


class OpeningHoursForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for day in Weekday:
            self.fields[f"day_{day.value}"] = WeekGridField(
                label=day.label, required=False, max_length=200
            )

    def intervals(self) -> list[tuple[int, datetime.time, datetime.time]]:
        return [
            (day.value, start, end)
            for day in Weekday
            for start, end in self.cleaned_data.get(f"day_{day.value}", [])
        ]

    @staticmethod
    def initial_from(rows) -> dict:
        initial: dict[str, list[str]] = {}
        for row in rows:
            initial.setdefault(f"day_{row.weekday}", []).append(
                f"{row.start:%H:%M}-{row.end:%H:%M}"
            )
        return {key: ", ".join(spans) for key, spans in initial.items()}


class MonthForm(forms.Form):
    month = forms.RegexField(
        label=_("month"), regex=r"^\d{4}-(0[1-9]|1[0-2])$", required=False, max_length=7
    )
