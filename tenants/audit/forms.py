"""The audit screen's filter: bad input falls back to no filter."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.utils.translation import gettext_lazy as _

from tenants.domains import on_city_domain

from .models import Action
from .selectors import AuditFilters


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def center_choices() -> list[tuple[str, str]]:
    from tenants.models import Center

    centers = Center.objects.order_by("slug").values_list("schema_name", "name")
    return [("", _("All centers and the city")), *((schema, name) for schema, name in centers)]


class AuditFilterForm(forms.Form):
    center = forms.ChoiceField(label=_("Center"), required=False)
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("All actions")), *Action.choices]
    )
    actor = forms.CharField(label=_("User"), required=False, max_length=150)
    start = forms.DateField(label=_("From"), required=False, widget=DateInput())
    end = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        if on_city_domain():
            self.fields["center"].choices = center_choices()
        else:  # a center's director sees their own center only: no choice to make
            del self.fields["center"]

    def filters(self) -> AuditFilters:
        if not self.is_valid():
            return AuditFilters()
        data = self.cleaned_data
        return AuditFilters(
            schema_name=data.get("center") or "",
            action=data.get("action") or "",
            actor=(data.get("actor") or "").strip(),
            start=data.get("start"),
            end=data.get("end"),
        )

    def query(self) -> str:
        if not self.is_valid():
            return ""
        values = {k: v for k, v in self.data.items() if k in self.fields and v}
        return urlencode(values)
