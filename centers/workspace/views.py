"""The workspace's own admin screens (Wagtail admin, center domains): the profile with its
compliance, the week grid of opening hours, and each staff member's own attendance. Every
center staff member may look; only the center director changes the profile and the hours."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from wagtail.images import get_image_model

from tenants.accounts.permissions import Capability, can, on_city_domain

from . import selectors, services
from .forms import MonthForm, OpeningHoursForm, ProfileForm
from .models import OpeningInterval


def _service_errors(form, exc: ValidationError, aliases: dict | None = None) -> None:
    aliases = aliases or {}
    for field, errors in exc.message_dict.items():
        field = aliases.get(field, field)
        form.add_error(field if field in form.fields else None, errors)


class CenterStaffRequired:
    """Center domains only; ACCESS_ADMIN to look, MANAGE_CENTER_WORKSPACE to post."""

    def dispatch(self, request, *args, **kwargs):
        if on_city_domain() or not can(request.user, Capability.ACCESS_ADMIN):
            raise PermissionDenied
        if request.method == "POST" and self.manage_only_post and not self.can_manage:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    manage_only_post = True

    @property
    def can_manage(self) -> bool:
        return can(self.request.user, Capability.MANAGE_CENTER_WORKSPACE)


def _admin_view(cls):
    from cityplatform.admin_views import AdminScreenMixin

    attrs = {
        name: getattr(cls, name)
        for name in ("template_name", "page_title", "header_icon", "manage_only_post")
        if name in cls.__dict__
    }  # the view's own, not AdminScreenMixin's
    return type(cls.__name__, (CenterStaffRequired, AdminScreenMixin, cls), attrs)


class _ProfileView(FormView):
    template_name = "workspace/admin/profile.html"
    page_title = gettext_lazy("Center profile")
    header_icon = "home"
    form_class = ProfileForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        self.profile = selectors.profile_get()
        kwargs["photos"] = list(self.profile.photos.all()) if self.profile else []
        if self.profile and self.request.method != "POST":
            kwargs["initial"] = {
                field: getattr(self.profile, field)
                for field in (
                    "name",
                    "address",
                    "phone",
                    "supervision_phone",
                    "director_name",
                    "deputy_name",
                    "floor_area_m2",
                    "rules_kept",
                    "urgent_target_percent",
                )
            }
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["profile"] = self.profile
        context["can_manage"] = self.can_manage
        context["compliance"] = selectors.profile_compliance()
        return context

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        photo, title = data.pop("photo"), data.pop("photo_title")
        remove = data.pop("remove_photos", [])
        try:
            with transaction.atomic():
                services.profile_update(actor=self.request.user, **data)
                images = get_image_model().objects.filter(pk__in=remove)
                for image in images:
                    services.profile_photo_remove(actor=self.request.user, image=image)
                if photo is not None:
                    services.profile_photo_add(actor=self.request.user, photo=photo, title=title)
        except ValidationError as exc:
            _service_errors(form, exc, {"photos": "remove_photos"})
            return self.form_invalid(form)
        messages.success(self.request, _("The center profile has been saved."))
        return redirect("workspace_profile:index")


class _OpeningHoursView(FormView):
    template_name = "workspace/admin/hours.html"
    page_title = gettext_lazy("Opening hours")
    header_icon = "time"
    form_class = OpeningHoursForm

    def get_initial(self):
        return OpeningHoursForm.initial_from(OpeningInterval.objects.all())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        status = selectors.opening_status()
        context.update(
            can_manage=self.can_manage,
            status=status,
            weekly_open_hours=selectors.weekly_open_hours(),
            closures=selectors.closures_list(),
        )
        return context

    def form_valid(self, form):
        try:
            services.opening_hours_set(actor=self.request.user, intervals=form.intervals())
        except ValidationError as exc:
            _service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The opening hours have been saved."))
        return redirect("workspace_hours:index")


class _MyAttendanceView(FormView):
    """Sign in and out for today, and the month's summary for oneself."""

    template_name = "workspace/admin/my_attendance.html"
    page_title = gettext_lazy("My attendance")
    header_icon = "time"
    form_class = MonthForm
    manage_only_post = False

    def _month(self) -> tuple[int, int]:
        form = MonthForm(self.request.GET)
        today = timezone.localdate()
        if form.is_valid() and form.cleaned_data["month"]:
            year, month = map(int, form.cleaned_data["month"].split("-"))
            return year, month
        return today.year, today.month

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        year, month = self._month()
        today = timezone.localdate()
        summary = [
            row
            for row in selectors.attendance_monthly_summary(year, month)
            if row["user"].pk == user.pk
        ]
        context.update(
            month=f"{year:04d}-{month:02d}",
            today=selectors.Attendance.objects.filter(user=user, date=today).first(),
            records=selectors.Attendance.objects.filter(
                user=user,
                date__gte=datetime.date(year, month, 1),
                date__lt=datetime.date(year + month // 12, month % 12 + 1, 1),
            ).order_by("date"),
            summary=summary[0] if summary else None,
        )
        return context

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        try:
            if action == "sign_in":
                services.attendance_sign_in(user=request.user)
                messages.success(request, _("You have signed in."))
            elif action == "sign_out":
                services.attendance_sign_out(user=request.user)
                messages.success(request, _("You have signed out."))
            else:
                messages.error(request, _("Unknown action."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("workspace_my_attendance:index")


ProfileView = _admin_view(_ProfileView)
OpeningHoursView = _admin_view(_OpeningHoursView)
MyAttendanceView = _admin_view(_MyAttendanceView)
