"""The city's own admin screens (city domain, Wagtail admin): importing and exporting matter
templates, and the center standards. Thin: parse the request, call a service, render."""

import secrets

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from tenants.accounts.city_policy import CityPolicyView
from tenants.accounts.permissions import Capability, can, on_center_domain
from tenants.audit.services import export_recorded

from . import selectors, services
from .calendar import library_knows_year
from .forms import (
    AppointmentPolicyForm,
    CasePolicyForm,
    CenterStandardForm,
    MatterTemplateImportForm,
)
from .models import CenterStandard, MatterTemplate, OfficialScheduleYear
from .tabular import CONTENT_TYPES, RowError, export_catalog
from .tasks import JOB_TTL, job_get, job_key, matter_templates_import_job

IMPORT_CACHE_PREFIX = "standards-import:"
IMPORT_TTL_SECONDS = 3600


def require_city_editor(request) -> None:
    """City domain and a user who may edit the city's standards, or refused."""
    if on_center_domain() or not can(request.user, Capability.EDIT_CITY_STANDARDS):
        raise PermissionDenied


def _templates_index_url() -> str:
    return reverse(MatterTemplate.snippet_viewset.get_url_name("list"))


# ---------------------------------------------------------------- import and export


def _upload_key(token: str) -> str:
    return f"{IMPORT_CACHE_PREFIX}{token}"


def _upload_stash(request, *, content: bytes, filename: str) -> str:
    """Keep an uploaded file between preview and confirm: in the cache (Redis), under a random
    token, for one hour, bound to the user who uploaded it."""
    token = secrets.token_urlsafe(32)
    cache.set(
        _upload_key(token),
        {"user": request.user.pk, "filename": filename, "content": content},
        IMPORT_TTL_SECONDS,
    )
    return token


def _upload_take(request, token: str) -> dict | None:
    if not token or len(token) > 100:
        return None
    stashed = cache.get(_upload_key(token))
    if not stashed or stashed.get("user") != request.user.pk:
        return None
    return stashed


def _preview_context(rows: list[dict], summary: services.ImportSummary) -> dict:
    state = {code: "created" for code in summary.created}
    state.update({code: "updated" for code in summary.updated})
    state.update({code: "unchanged" for code in summary.unchanged})
    labels = {"created": _("new"), "updated": _("changed"), "unchanged": _("unchanged")}
    return {
        "rows": [
            {
                "row": r["_row"],
                "code": r["code"],
                "name": r["name"],
                "state": state.get(r["code"], ""),
                "status": labels.get(state.get(r["code"], ""), ""),
            }
            for r in rows
        ],
        "summary": summary,
        "errors": sorted(summary.errors, key=lambda e: (e.row, e.column)),
    }


def templates_import(request):
    """Upload a file → a preview (each row new, changed or unchanged; or every error with its
    row and column, nothing saved) → confirm (templates_import_confirm)."""
    require_city_editor(request)
    context: dict = {"index_url": _templates_index_url()}
    if request.method == "POST":
        form = MatterTemplateImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            content = upload.read()
            rows, summary = services.matter_templates_preview(
                content=content, filename=upload.name, actor=request.user
            )
            context.update(_preview_context(rows, summary), filename=upload.name)
            if not summary.errors:
                context["token"] = _upload_stash(request, content=content, filename=upload.name)
            return render(request, "standards/templates_import_preview.html", context)
    else:
        form = MatterTemplateImportForm()
    context["form"] = form
    return render(request, "standards/templates_import.html", context)


@require_POST
def templates_import_confirm(request):
    """Apply the previewed file: each new or changed template is published, as the command
    does. The stashed file is used once."""
    require_city_editor(request)
    token = request.POST.get("token", "")
    stashed = _upload_take(request, token)
    if stashed is None:
        messages.error(request, _("The uploaded file has expired or is unknown; upload it again."))
        return redirect("standards_templates_import")
    rows, preview = services.matter_templates_preview(
        content=stashed["content"], filename=stashed["filename"], actor=request.user
    )
    if len(preview.created) + len(preview.updated) > settings.CATALOG_IMPORT_INLINE_ROWS:
        # A district-sized file takes minutes: hand it to Celery and show its progress.
        cache.delete(_upload_key(token))
        job_id = secrets.token_urlsafe(16)
        cache.set(
            job_key(job_id),
            {
                "state": "queued", "user": request.user.pk, "filename": stashed["filename"],
                "content": stashed["content"], "done": 0, "total": len(rows),
            },
            JOB_TTL,
        )  # fmt: skip
        matter_templates_import_job.delay(job_id, request.user.pk)
        return redirect("standards_templates_import_job", job_id=job_id)
    try:
        summary = services.matter_templates_import(
            content=stashed["content"], filename=stashed["filename"], actor=request.user
        )
    except ValidationError as exc:
        # Something changed since the preview (a lock, a deleted category): show it again.
        rows, summary = services.matter_templates_preview(
            content=stashed["content"], filename=stashed["filename"], actor=request.user
        )
        if not summary.errors:
            summary.errors = [RowError(0, "", message) for message in exc.messages]
        cache.delete(_upload_key(token))
        context = {"index_url": _templates_index_url(), "filename": stashed["filename"]}
        context.update(_preview_context(rows, summary))
        return render(request, "standards/templates_import_preview.html", context)
    cache.delete(_upload_key(token))
    messages.success(
        request,
        _("Imported %(file)s: %(created)d new, %(updated)d changed, %(unchanged)d unchanged.")
        % {
            "file": stashed["filename"],
            "created": len(summary.created),
            "updated": len(summary.updated),
            "unchanged": len(summary.unchanged),
        },
    )
    return redirect(_templates_index_url())


def templates_import_job(request, job_id: str):
    """Progress of a background import; the page refreshes itself until the job ends."""
    require_city_editor(request)
    job = job_get(job_id)
    if not job or job.get("user") != request.user.pk:
        messages.error(request, _("This import is unknown or has expired."))
        return redirect("standards_templates_import")
    context = {
        "job": {k: v for k, v in job.items() if k != "content"},
        "index_url": _templates_index_url(),
        "running": job["state"] in ("queued", "running"),
    }
    return render(request, "standards/templates_import_job.html", context)


def templates_export(request):
    """The published templates as a file in the agreed columns (?file_format=xlsx|csv)."""
    require_city_editor(request)
    fmt = "csv" if request.GET.get("file_format") == "csv" else "xlsx"
    items = [selectors.matter_data(t) for t in selectors.published_templates()]
    response = HttpResponse(export_catalog(items, fmt), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="matter-templates.{fmt}"'
    export_recorded(request, "matter-templates", rows=len(items), format=fmt)
    return response


# ---------------------------------------------------------------- center standards


def center_standards(request):
    require_city_editor(request)
    return render(
        request,
        "standards/center_standards.html",
        {"standards": CenterStandard.objects.order_by("kind")},
    )


def center_standard_edit(request, kind: str):
    require_city_editor(request)
    standard = get_object_or_404(CenterStandard, kind=kind)
    if request.method == "POST":
        form = CenterStandardForm(request.POST)
        if form.is_valid():
            try:
                services.center_standard_update(
                    standard=standard, actor=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                messages.success(
                    request,
                    _("The standard for %(kind)s centers is saved.")
                    % {"kind": standard.get_kind_display()},
                )
                return redirect("standards_center_standards")
    else:
        form = CenterStandardForm(
            initial={
                "min_floor_area_m2": standard.min_floor_area_m2,
                "min_weekly_open_hours": standard.min_weekly_open_hours,
                "required_rules": standard.required_rules,
            }
        )
    return render(
        request, "standards/center_standard_edit.html", {"standard": standard, "form": form}
    )


# ---------------------------------------------------------------- district catalog


def supervised_districts(user):
    """The district centers whose unified catalog the user may keep: a city administrator
    every district, a district supervisor their own (public schema only)."""
    from tenants.accounts.permissions import visible_centers
    from tenants.models import Center

    if on_center_domain():
        return Center.objects.none()
    districts = Center.objects.centers().filter(kind="district").order_by("division_code")
    allowed = [
        d.pk for d in visible_centers(user, districts) if can(user, Capability.SUPERVISE_CENTER, d)
    ]
    return districts.filter(pk__in=allowed)


def _district_or_refuse(request, slug: str):
    district = supervised_districts(request.user).filter(slug=slug).first()
    if district is None:
        raise PermissionDenied
    return district


class _TemplateChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} {obj.name}"


class DistrictCatalogEntryForm(forms.Form):
    """Pick a published template not yet in the district's catalog, with the district's
    values. Publication is checked by services.district_catalog_entry_add."""

    template = _TemplateChoiceField(
        label=_lazy("Matter template"), queryset=MatterTemplate.objects.all()
    )
    receiving_window = forms.CharField(
        label=_lazy("Receiving window / center (上报件)"), max_length=200, required=False
    )
    local_contact = forms.CharField(label=_lazy("Local contact"), max_length=200, required=False)

    def __init__(self, *args, district, **kwargs):
        super().__init__(*args, **kwargs)
        self.district = district
        offered = MatterTemplate.objects.filter(live=True).exclude(
            district_entries__district=district
        )
        field = self.fields["template"]
        field.widget.choices = [("", "---------")] + [
            (t.pk, field.label_from_instance(t)) for t in offered.order_by("code")
        ]

    def clean_template(self):
        template = self.cleaned_data["template"]
        if template.district_entries.filter(district=self.district).exists():
            raise forms.ValidationError(_("This template is already in the district's catalog."))
        return template


def district_catalog_index(request):
    """A supervisor goes straight to their district; a city administrator picks one."""
    districts = supervised_districts(request.user)
    chosen = request.GET.get("district")
    if chosen:
        return redirect("standards_district_catalog", _district_or_refuse(request, chosen).slug)
    if not districts.exists():
        raise PermissionDenied
    if len(districts) == 1:
        return redirect("standards_district_catalog", districts[0].slug)
    return render(request, "standards/district_catalog.html", {"districts": districts})


def district_catalog(request, slug: str):
    district = _district_or_refuse(request, slug)
    if request.method == "POST":
        form = DistrictCatalogEntryForm(request.POST, district=district)
        if form.is_valid():
            try:
                entry = services.district_catalog_entry_add(
                    district=district, actor=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                messages.success(
                    request,
                    _("%(code)s is added to the catalog of %(district)s.")
                    % {"code": entry.template.code, "district": district.name},
                )
                return redirect("standards_district_catalog", district.slug)
    else:
        form = DistrictCatalogEntryForm(district=district)
    return render(
        request,
        "standards/district_catalog.html",
        {
            "district": district,
            "districts": supervised_districts(request.user),
            "entries": selectors.district_catalog(district),
            "form": form,
        },
    )


@require_POST
def district_catalog_remove(request, slug: str, pk: int):
    district = _district_or_refuse(request, slug)
    entry = get_object_or_404(selectors.district_catalog(district), pk=pk)
    code = entry.template.code
    services.district_catalog_entry_remove(entry=entry, actor=request.user)
    messages.success(
        request,
        _("%(code)s is removed from the catalog of %(district)s.")
        % {"code": code, "district": district.name},
    )
    return redirect("standards_district_catalog", district.slug)


# ---------------------------------------------------------------- official holiday schedules


class OfficialScheduleYearForm(forms.Form):
    year = forms.IntegerField(
        label=_lazy("Year"),
        min_value=services.SCHEDULE_YEARS[0],
        max_value=services.SCHEDULE_YEARS[1],
    )


class OfficialScheduleForm(forms.Form):
    """The text of a year's schedule, checked and saved by services.official_schedule_save."""

    source = forms.CharField(
        label=_lazy("Published in (文号)"),
        max_length=200,
        required=False,
        help_text=_lazy("e.g. 国办发明电〔2026〕7号"),
    )
    days = forms.CharField(
        label=_lazy("Days"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 24, "cols": 40, "spellcheck": "false"}),
        help_text=_lazy(
            "One line per day or range: “2027-02-05 至 2027-02-13 休 春节” for days off "
            "(bridge days included), “2027-02-20 班 春节” for an adjusted working weekend day. "
            "Days not listed follow the week, or, in a year the calendar library carries, the "
            "State Council's schedule there."
        ),
    )
    confirmed = forms.BooleanField(
        label=_lazy("Confirmed: this is the official schedule"),
        required=False,
        help_text=_lazy(
            "Only a confirmed schedule is used by the centers' calendars; until then dates in "
            "this year stay provisional."
        ),
    )


def official_schedules(request):
    """The years the city entered, and a form to enter the next one."""
    require_city_editor(request)
    form = OfficialScheduleYearForm(request.GET or None)
    if request.GET and form.is_valid():
        return redirect("standards_official_schedule_edit", year=form.cleaned_data["year"])
    return render(
        request,
        "standards/official_schedules.html",
        {
            "schedules": OfficialScheduleYear.objects.annotate(
                days_off=Count("days", filter=Q(days__working=False)),
                working_days=Count("days", filter=Q(days__working=True)),
            ).order_by("-year"),
            "form": form,
        },
    )


def official_schedule_edit(request, year: int):
    require_city_editor(request)
    schedule = OfficialScheduleYear.objects.filter(year=year).first()
    if request.method == "POST":
        form = OfficialScheduleForm(request.POST)
        if form.is_valid():
            try:
                services.official_schedule_save(
                    year=year,
                    text=form.cleaned_data["days"],
                    confirmed=form.cleaned_data["confirmed"],
                    source=form.cleaned_data["source"],
                    actor=request.user,
                )
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                messages.success(
                    request,
                    _("The schedule of %(year)d is saved (%(state)s).")
                    % {
                        "year": year,
                        "state": _("confirmed: the calendars use it")
                        if form.cleaned_data["confirmed"]
                        else _("draft: not used yet"),
                    },
                )
                return redirect("standards_official_schedules")
    else:
        if schedule is None:
            try:
                services.official_schedule_year_check(year)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
                return redirect("standards_official_schedules")
        form = OfficialScheduleForm(
            initial={
                "source": schedule.source if schedule else "",
                "days": services.official_schedule_text(schedule.days.all())
                if schedule
                else services.official_schedule_draft(year),
                "confirmed": schedule.confirmed if schedule else False,
            }
        )
    return render(
        request,
        "standards/official_schedule_edit.html",
        {
            "year": year,
            "schedule": schedule,
            "form": form,
            "library_knows_year": library_knows_year(year),
        },
    )


@require_POST
def official_schedule_delete(request, year: int):
    require_city_editor(request)
    schedule = get_object_or_404(OfficialScheduleYear, year=year)
    services.official_schedule_delete(schedule=schedule, actor=request.user)
    messages.success(
        request,
        _("The schedule of %(year)d is removed; dates in it are provisional again.")
        % {"year": year},
    )
    return redirect("standards_official_schedules")


# ---------------------------------------------------------------- appointment policy


class AppointmentPolicyView(CityPolicyView):
    """The city's appointment policy: open bookings per phone and per ID number, and the
    booking horizon."""

    template_name = "standards/appointment_policy.html"
    page_title = _lazy("Appointment policy")
    form_class = AppointmentPolicyForm
    success_url_name = "standards_appointment_policy"
    success_message = _lazy("The appointment policy is saved.")

    def policy(self):
        return selectors.appointment_policy()

    def initial(self, policy) -> dict:
        return {name: getattr(policy, name) for name in self.form_class.base_fields}

    def save(self, data: dict) -> None:
        services.appointment_policy_set(actor=self.request.user, **data)


# ---------------------------------------------------------------- case policy


class CasePolicyView(CityPolicyView):
    """The city's case policy: who approves a fee waiver (default and overrides per matter or
    fee item) and the working days to answer an objection."""

    template_name = "standards/case_policy.html"
    page_title = _lazy("Case policy (减免审批权限、异议答复时限)")
    form_class = CasePolicyForm
    success_url_name = "standards_case_policy"
    success_message = _lazy("The case policy is saved.")

    def policy(self):
        return selectors.case_policy()

    def initial(self, policy) -> dict:
        return {
            "waiver_authority": policy.waiver_authority,
            "waiver_overrides": services.waiver_overrides_text(policy.waiver_overrides),
            "objection_answer_days": policy.objection_answer_days,
        }

    def save(self, data: dict) -> None:
        services.case_policy_set(actor=self.request.user, **data)
