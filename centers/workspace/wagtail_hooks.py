"""The workspace in Wagtail admin, on center domains only: every center staff member may look,
only the center director (MANAGE_CENTER_WORKSPACE) may change; saving goes through the same
services as the API, and a service's ValidationError comes back on the form's fields."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseForbidden
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import Button
from wagtail.permission_policies.base import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from tenants.accounts.permissions import Capability, can, on_center_domain
from tenants.audit.services import export_recorded

from . import resources, selectors, services, views
from .models import (
    Absence,
    Attendance,
    Closure,
    Department,
    DutyShift,
    Post,
    ServicePoint,
    Window,
    WorkspaceAuditEvent,
)


def _in_center() -> bool:
    return on_center_domain()


class WorkspacePermissionPolicy(ModelPermissionPolicy):
    read_only = False

    def user_has_permission(self, user, action):
        if not _in_center():
            return False
        if action == "view":
            return can(user, Capability.ACCESS_ADMIN)
        if self.read_only:
            return False
        return can(user, Capability.MANAGE_CENTER_WORKSPACE)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, a) for a in actions)


class ReadOnlyPolicy(WorkspacePermissionPolicy):
    read_only = True


class ServiceFormMixin:
    """Save through the viewset's service; show its ValidationError on the form."""

    def save_instance(self):
        instance = self.form.instance if self.form.instance.pk else None
        return self.workspace_viewset.service_save(
            self.request.user, instance, self.form.cleaned_data
        )

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, messages)
            self.produced_error_message = _("The changes could not be saved: see the errors.")
            return self.form_invalid(form)


class ServiceDeleteMixin:
    def delete_action(self):
        self.workspace_viewset.service_delete(self.request.user, self.object)


class ExportButtonsMixin:
    """Export buttons (xlsx, csv) in the listing's header menu, for who may export."""

    @property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        what = self.workspace_viewset.export_what
        if what and export_allowed(self.request.user, what):
            url = reverse("workspace_export", args=[what])
            buttons += [
                Button(_("Export (xlsx)"), url=f"{url}?format=xlsx", icon_name="download"),
                Button(_("Export (csv)"), url=f"{url}?format=csv", icon_name="download"),
            ]
        return buttons


class ScopedQuerysetMixin:
    def get_base_queryset(self):
        return self.workspace_viewset.scope(self.request, super().get_base_queryset())


class ScopedObjectMixin:
    def get_object(self):
        obj = super().get_object()
        if not self.workspace_viewset.scope(self.request, type(obj).objects.filter(pk=obj.pk)):
            raise Http404
        return obj


class WorkspaceViewSet(ModelViewSet):
    add_to_admin_menu = False
    icon = "cogs"
    copy_view_enabled = False
    inspect_view_enabled = True
    export_what = ""

    def scope(self, request, queryset):
        return queryset

    @property
    def index_view_class(self):
        return type(
            "IndexView",
            (ExportButtonsMixin, ScopedQuerysetMixin, super().index_view_class),
            {"workspace_viewset": self},
        )

    @property
    def inspect_view_class(self):
        return type(
            "InspectView",
            (ScopedObjectMixin, super().inspect_view_class),
            {"workspace_viewset": self},
        )

    def service_save(self, actor, instance, data):
        raise NotImplementedError

    def service_delete(self, actor, instance):
        raise PermissionDenied

    @property
    def add_view_class(self):
        return type(
            "AddView", (ServiceFormMixin, super().add_view_class), {"workspace_viewset": self}
        )

    @property
    def edit_view_class(self):
        return type(
            "EditView", (ServiceFormMixin, super().edit_view_class), {"workspace_viewset": self}
        )

    @property
    def delete_view_class(self):
        return type(
            "DeleteView",
            (ServiceDeleteMixin, super().delete_view_class),
            {"workspace_viewset": self},
        )


class WindowViewSet(WorkspaceViewSet):
    model = Window
    menu_label = _("Windows")
    icon = "desktop"
    list_display = ["number", "name", "kind"]
    list_filter = ["kind"]
    export_what = "windows"
    form_fields = [
        "number", "name", "kind", "departments", "staff", "matters",
        "schedule_months", "schedule_weekdays", "schedule_note",
    ]  # fmt: skip

    def service_save(self, actor, instance, data):
        return services.window_save(actor=actor, window=instance, **data)

    def service_delete(self, actor, instance):
        services.window_delete(actor=actor, window=instance)


class DepartmentViewSet(WorkspaceViewSet):
    model = Department
    menu_label = _("Departments and stations")
    icon = "group"
    list_display = ["name", "kind", "order"]
    form_fields = ["name", "kind", "order"]

    def service_save(self, actor, instance, data):
        return services.department_save(actor=actor, department=instance, **data)

    def service_delete(self, actor, instance):
        services.department_delete(actor=actor, department=instance)


class PostViewSet(WorkspaceViewSet):
    model = Post
    menu_label = _("Posts (A/B)")
    icon = "user"
    list_display = ["name", "window", "holder_a", "holder_b"]
    form_fields = ["name", "window", "holder_a", "holder_b"]
    export_what = "staff"

    def service_save(self, actor, instance, data):
        return services.post_save(actor=actor, post=instance, **data)

    def service_delete(self, actor, instance):
        services.post_delete(actor=actor, post=instance)


class ServicePointViewSet(WorkspaceViewSet):
    model = ServicePoint
    menu_label = _("Service points")
    icon = "home"
    list_display = ["name", "village", "kind", "hours"]
    form_fields = ["name", "kind", "village", "address", "phone", "hours", "agents", "matters"]

    def service_save(self, actor, instance, data):
        return services.service_point_save(actor=actor, point=instance, **data)

    def service_delete(self, actor, instance):
        services.service_point_delete(actor=actor, point=instance)


class ClosureViewSet(WorkspaceViewSet):
    model = Closure
    menu_label = _("Closures")
    icon = "date"
    list_display = ["start_date", "end_date", "reason"]
    form_fields = ["start_date", "end_date", "reason"]

    def service_save(self, actor, instance, data):
        return services.closure_save(actor=actor, closure=instance, **data)

    def service_delete(self, actor, instance):
        services.closure_delete(actor=actor, closure=instance)


class AbsenceViewSet(WorkspaceViewSet):
    model = Absence
    menu_label = _("Absences")
    icon = "calendar-alt"
    list_display = ["user", "start_date", "end_date", "reason"]
    form_fields = ["user", "start_date", "end_date", "reason"]

    def service_save(self, actor, instance, data):
        return services.absence_save(actor=actor, absence=instance, **data)

    def service_delete(self, actor, instance):
        services.absence_delete(actor=actor, absence=instance)


class DutyShiftViewSet(WorkspaceViewSet):
    model = DutyShift
    menu_label = _("Holiday duty roster")
    icon = "calendar"
    list_display = ["date", "holiday_name", "role_note", "phone", "working_day_note"]
    form_fields = ["date", "users", "leader", "role_note", "phone", "working_day_note"]
    export_what = "duty-roster"

    def service_save(self, actor, instance, data):
        return services.duty_shift_save(actor=actor, shift=instance, **data)

    def service_delete(self, actor, instance):
        services.duty_shift_delete(actor=actor, shift=instance)


class AttendanceViewSet(WorkspaceViewSet):
    model = Attendance
    menu_label = _("Attendance")
    icon = "time"
    list_display = ["date", "user", "signed_in_at", "signed_out_at"]
    list_filter = ["date", "user"]
    form_fields = ["user", "date", "signed_in_at", "signed_out_at"]
    export_what = "attendance"

    def scope(self, request, queryset):
        """Window staff see only their own attendance; the director everyone's."""
        if can(request.user, Capability.MANAGE_CENTER_WORKSPACE):
            return queryset
        return queryset.filter(user=request.user)

    def service_save(self, actor, instance, data):
        return services.attendance_record(actor=actor, **data)


class AuditViewSet(WorkspaceViewSet):
    model = WorkspaceAuditEvent
    menu_label = _("Workspace history")
    icon = "history"
    list_display = ["at", "actor", "action", "object_repr"]
    form_fields = ["actor"]


for _model in (Window, Department, Post, Absence, Closure, DutyShift, Attendance, ServicePoint):
    register_permission_policy(_model, WorkspacePermissionPolicy(_model))
register_permission_policy(WorkspaceAuditEvent, ReadOnlyPolicy(WorkspaceAuditEvent))


class StaffMenuItem(MenuItem):
    def is_shown(self, request):
        return _in_center() and can(request.user, Capability.ACCESS_ADMIN)


class ScreenViewSet(ViewSet):
    """A single admin screen of the workspace (profile, hours, my attendance)."""

    view_class = None

    @property
    def menu_item_class(self):
        return StaffMenuItem

    def get_urlpatterns(self):
        return [path("", self.view_class.as_view(), name="index")]


class WorkspaceGroup(ViewSetGroup):
    menu_label = _("Center workspace")
    menu_icon = "cogs"
    menu_order = 160
    items = (
        ScreenViewSet(
            "workspace_profile",
            view_class=views.ProfileView,
            menu_label=_("Center profile"),
            icon="home",
        ),
        ScreenViewSet(
            "workspace_hours",
            view_class=views.OpeningHoursView,
            menu_label=_("Opening hours"),
            icon="time",
        ),
        ScreenViewSet(
            "workspace_my_attendance",
            view_class=views.MyAttendanceView,
            menu_label=_("My attendance"),
            icon="user",
        ),
        WindowViewSet("workspace_windows"),
        DepartmentViewSet("workspace_departments"),
        PostViewSet("workspace_posts"),
        AbsenceViewSet("workspace_absences"),
        ClosureViewSet("workspace_closures"),
        DutyShiftViewSet("workspace_duty"),
        AttendanceViewSet("workspace_attendance"),
        ServicePointViewSet("workspace_service_points"),
        AuditViewSet("workspace_audit"),
    )


@hooks.register("register_admin_viewset")
def register_workspace_viewsets():
    return WorkspaceGroup()


EXPORTS = {
    "windows": (resources.WindowResource, lambda: selectors.windows_list()),
    "staff": (resources.StaffResource, lambda: selectors.center_staff()),
    "hours": (resources.OpeningHoursResource, lambda: selectors.OpeningInterval.objects.all()),
    "duty-roster": (resources.DutyShiftResource, lambda: DutyShift.objects.all()),
    "attendance": (resources.AttendanceResource, lambda: Attendance.objects.all()),
}


def export_allowed(user, what: str) -> bool:
    if not can(user, Capability.ACCESS_ADMIN):
        return False
    return what != "attendance" or can(user, Capability.MANAGE_CENTER_WORKSPACE)


def export_view(request, what: str):
    """/admin/workspace/export/<what>/?format=xlsx|csv (import-export Resources)."""
    from django.http import HttpResponse

    if not _in_center() or what not in EXPORTS:
        raise Http404
    if not export_allowed(request.user, what):
        return HttpResponseForbidden()
    fmt = request.GET.get("format", "xlsx")
    if fmt not in resources.FORMATS:
        raise Http404
    resource_class, queryset = EXPORTS[what]
    response = HttpResponse(
        resources.export_bytes(resource_class(), queryset(), fmt),
        content_type=resources.CONTENT_TYPES[fmt],
    )
    response["Content-Disposition"] = f'attachment; filename="{what}.{fmt}"'
    export_recorded(request, what, format=fmt)
    return response


@hooks.register("register_admin_urls")
def register_workspace_export_urls():
    return [
        path("workspace/export/<slug:what>/", export_view, name="workspace_export"),
    ]
