"""Appointments in Wagtail admin, on center domains, for case staff: /admin/appointments/."""

from django.urls import path, reverse_lazy
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import views


class AppointmentsMenuItem(MenuItem):
    def is_shown(self, request):
        return views.appointment_staff(request.user)


@hooks.register("register_admin_urls")
def register_appointment_urls():
    return [
        path("appointments/", views.AppointmentListView.as_view(), name="appointments_index"),
        path(
            "appointments/<int:pk>/mark/",
            views.AppointmentMarkView.as_view(),
            name="appointments_mark",
        ),
    ]


@hooks.register("register_admin_menu_item")
def register_appointments_menu():
    return AppointmentsMenuItem(
        _("Appointments (预约)"),
        reverse_lazy("appointments_index"),
        name="appointments",
        icon_name="date",
        order=176,
    )
