"""办理结果公开 on each center's domain (/results/): the center's closed cases with masked
names, newest first, filtered by matter and month, paged by cursor."""

from __future__ import annotations

import datetime

from django import forms
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from centers.cases.results import (
    results_cursor_decode,
    results_cursor_encode,
    results_published,
)
from centers.catalog.models import LocalMatter


class ResultsFilterForm(forms.Form):
    matter = forms.ChoiceField(label=_("Matter"), required=False)
    month = forms.CharField(
        label=_("Month closed"),
        required=False,
        widget=forms.DateInput(attrs={"type": "month"}),
        help_text=_("As 2026-11"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        matters = LocalMatter.objects.order_by("name").values_list("code", "name")
        self.fields["matter"].choices = [("", _("All matters")), *matters]

    def clean_month(self) -> datetime.date | None:
        text = (self.cleaned_data.get("month") or "").strip()
        if not text:
            return None
        try:
            return datetime.datetime.strptime(text, "%Y-%m").date()
        except ValueError:
            raise forms.ValidationError(
                _("Give the month as year and month, for example 2026-11.")
            ) from None


@require_GET
def results(request):
    form = ResultsFilterForm(request.GET or None)
    rows, cursor, filters = [], None, {}
    if form.is_bound and not form.is_valid():
        return render(request, "portal/results.html", {"form": form, "rows": []}, status=400)
    if form.is_bound:
        filters = {
            "matter_code": form.cleaned_data["matter"],
            "month": form.cleaned_data["month"],
        }
    rows, cursor = results_published(
        **filters, after=results_cursor_decode(request.GET.get("after"))
    )
    query = request.GET.copy()
    query.pop("after", None)
    newest_query = query.urlencode()
    if cursor is not None:
        query["after"] = results_cursor_encode(cursor)
    return render(
        request,
        "portal/results.html",
        {
            "form": form,
            "rows": rows,
            "next_query": query.urlencode() if cursor is not None else "",
            "newest_query": newest_query if request.GET.get("after") else None,
        },
    )
