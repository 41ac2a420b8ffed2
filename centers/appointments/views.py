"""The day's appointments in Wagtail admin (center domains, case staff): /admin/appointments/
lists one day per window, with attended / no-show actions. Views parse input and call the
selectors and services."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from cityplatform.admin_views import AdminScreenMixin
from tenants.accounts.permissions import on_center_domain

from . import selectors, services
from .models import Appointment, AppointmentState


def appointment_staff(user) -> bool:
    return on_center_domain() and services.may_mark(user)


class StaffRequired:
    def dispatch(self, request, *args, **kwargs):
        if not appointment_staff(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def _day(value: str | None) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value or "")
    except ValueError:
        return timezone.localdate()


class AppointmentListView(StaffRequired, AdminScreenMixin, TemplateView):
    template_name = "appointments/admin/index.html"
    page_title = gettext_lazy("Appointments")
    header_icon = "date"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        day = _day(self.request.GET.get("day"))
        groups: dict = {}
        for appointment in selectors.day_list(day):
            groups.setdefault(appointment.window, []).append(appointment)
        context.update(
            day=day,
            previous_day=day - datetime.timedelta(days=1),
            next_day=day + datetime.timedelta(days=1),
            groups=list(groups.items()),
            states=AppointmentState,
        )
        return context


class AppointmentMarkView(StaffRequired, View):
    """POST state=attended|no_show for one appointment, then back to its day."""

    def post(self, request, pk: int):
        appointment = get_object_or_404(Appointment, pk=pk)
        try:
            services.appointment_mark(
                actor=request.user, appointment=appointment, state=request.POST.get("state", "")
            )
            messages.success(request, _("Saved."))
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        url = request.build_absolute_uri("/admin/appointments/")
        return redirect(f"{url}?{urlencode({'day': appointment.date.isoformat()})}")
