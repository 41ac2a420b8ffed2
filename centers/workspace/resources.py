"""Exports (django-import-export) of the workspace, with Chinese column headers, shared by the
API and the Wagtail admin. The Resources build the rows; the files are written by
`cityplatform.spreadsheets`, so a window name or a duty note that starts like a formula stays
text."""

from import_export import fields, resources

from cityplatform import spreadsheets

from .models import Attendance, DutyShift, OpeningInterval, Window
from .selectors import center_staff

FORMATS = ("xlsx", "csv")
CONTENT_TYPES = spreadsheets.CONTENT_TYPES


def _names(users) -> str:
    return "、".join(str(u) for u in users)


class WindowResource(resources.ModelResource):
    number = fields.Field(attribute="number", column_name="窗口编号")
    name = fields.Field(attribute="name", column_name="窗口名称")
    kind = fields.Field(column_name="窗口类型")
    departments = fields.Field(column_name="进驻部门")
    staff = fields.Field(column_name="工作人员")
    schedule = fields.Field(column_name="服务时间安排")

    class Meta:
        model = Window
        fields = ("number", "name", "kind", "departments", "staff", "schedule")
        export_order = fields

    def dehydrate_kind(self, window):
        return str(window.get_kind_display())

    def dehydrate_departments(self, window):
        return "、".join(d.name for d in window.departments.all())

    def dehydrate_staff(self, window):
        return _names(window.staff.all())

    def dehydrate_schedule(self, window):
        if not window.schedule_months:
            return ""
        months = "、".join(f"{m}月" for m in window.schedule_months)
        days = "、".join("一二三四五六日"[d] for d in window.schedule_weekdays)
        return f"{months} 每周{days}" + (
            f"（{window.schedule_note}）" if window.schedule_note else ""
        )


class StaffResource(resources.ModelResource):
    username = fields.Field(attribute="username", column_name="用户名")
    full_name = fields.Field(column_name="姓名")
    role = fields.Field(column_name="角色")
    phone = fields.Field(attribute="phone", column_name="电话")
    windows = fields.Field(column_name="所在窗口")

    class Meta:
        fields = ("username", "full_name", "role", "phone", "windows")
        export_order = fields

    def dehydrate_full_name(self, user):
        return f"{user.last_name}{user.first_name}"

    def dehydrate_role(self, user):
        return str(user.get_role_display())

    def dehydrate_windows(self, user):
        return "、".join(str(w) for w in user.windows.all())

    def get_queryset(self):
        return center_staff()


class OpeningHoursResource(resources.ModelResource):
    weekday = fields.Field(column_name="星期")
    start = fields.Field(attribute="start", column_name="开始时间")
    end = fields.Field(attribute="end", column_name="结束时间")

    class Meta:
        model = OpeningInterval
        fields = ("weekday", "start", "end")
        export_order = fields

    def dehydrate_weekday(self, row):
        return "星期" + "一二三四五六日"[row.weekday]


class DutyShiftResource(resources.ModelResource):
    date = fields.Field(attribute="date", column_name="日期")
    holiday_name = fields.Field(attribute="holiday_name", column_name="节假日")
    users = fields.Field(column_name="值班人员")
    role_note = fields.Field(attribute="role_note", column_name="值班职责")
    phone = fields.Field(attribute="phone", column_name="值班电话")
    provisional = fields.Field(column_name="日历待公布")

    class Meta:
        model = DutyShift
        fields = ("date", "holiday_name", "users", "role_note", "phone", "provisional")
        export_order = fields

    def dehydrate_users(self, shift):
        return _names(shift.users.all())

    def dehydrate_provisional(self, shift):
        return "是" if shift.provisional else ""


class AttendanceResource(resources.ModelResource):
    date = fields.Field(attribute="date", column_name="日期")
    user = fields.Field(column_name="工作人员")
    signed_in_at = fields.Field(column_name="签到时间")
    signed_out_at = fields.Field(column_name="签退时间")

    class Meta:
        model = Attendance
        fields = ("date", "user", "signed_in_at", "signed_out_at")
        export_order = fields

    def dehydrate_user(self, record):
        return str(record.user)

    def _time(self, value):
        from django.utils import timezone

        return timezone.localtime(value).strftime("%H:%M") if value else ""

    def dehydrate_signed_in_at(self, record):
        return self._time(record.signed_in_at)

    def dehydrate_signed_out_at(self, record):
        return self._time(record.signed_out_at)


def export_bytes(resource, queryset, fmt: str) -> bytes:
    """The Resource's rows as an xlsx or csv file (csv with the BOM Excel needs)."""
    dataset = resource.export(queryset)
    title = resource._meta.model._meta.verbose_name if resource._meta.model else "Sheet1"
    return spreadsheets.table_bytes(dataset.headers, dataset, fmt, title=str(title))
