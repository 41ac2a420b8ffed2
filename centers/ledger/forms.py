"""The ledger screens' filters and the fee actions' inputs."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import selectors

NO_WINDOW_VALUE = "none"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def window_choices() -> list[tuple[str, str]]:
    return [
        ("", _("All windows")),
        *((str(w.pk), str(w)) for w in selectors.windows()),
        (NO_WINDOW_VALUE, selectors.window_label(None)),
    ]


class WindowField(forms.ChoiceField):
    def to_window(self, value: str) -> int | None:
        if value == NO_WINDOW_VALUE:
            return selectors.NO_WINDOW
        return int(value) if value else None


class DayForm(forms.Form):
    """Day (today by default) and window; bad input falls back to the defaults."""

    day = forms.DateField(label=_("Day"), required=False, widget=DateInput())
    window = WindowField(label=_("Window"), required=False)

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["window"].choices = window_choices()

    def day_value(self) -> datetime.date:
        if self.is_valid() and self.cleaned_data.get("day"):
            return self.cleaned_data["day"]
        return timezone.localdate()

    def window_value(self) -> int | None:
        if self.is_valid():
            return self.fields["window"].to_window(self.cleaned_data.get("window") or "")
        return None

    def query(self) -> str:
        """The filter as a query string for links and redirects."""
        from urllib.parse import urlencode

        window = self.cleaned_data.get("window", "") if self.is_valid() else ""
        return urlencode({"day": self.day_value().isoformat(), "window": window or ""})


class RangeForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=DateInput())
    end = forms.DateField(label=_("To"), widget=DateInput())
