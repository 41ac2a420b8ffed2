from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from centers.catalog.models import LocalMatter
from tenants.accounts.models import User

from ..models import (
    Absence,
    Attendance,
    CenterProfile,
    CenterRule,
    Closure,
    Department,
    DutyShift,
    OpeningInterval,
    Post,
    ServicePoint,
    Window,
)


class UserRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name", "role"]


class ProfileSerializer(serializers.ModelSerializer):
    rules_kept = serializers.ListField(
        child=serializers.ChoiceField(choices=CenterRule.choices), required=False
    )
    floor_area_m2 = serializers.DecimalField(
        max_digits=8, decimal_places=1, required=False, allow_null=True
    )

    class Meta:
        model = CenterProfile
        fields = [
            "name", "address", "phone", "supervision_phone", "director_name", "deputy_name",
            "floor_area_m2", "rules_kept", "photos", "urgent_target_percent", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["updated_at"]
        extra_kwargs = {"photos": {"required": False}, "urgent_target_percent": {"required": False}}


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "name", "kind", "order"]
        extra_kwargs = {"name": {"validators": []}}


class WindowSerializer(serializers.ModelSerializer):
    staff = serializers.PrimaryKeyRelatedField(
        many=True, queryset=User.objects.all(), required=False
    )
    departments = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Department.objects.all(), required=False
    )
    schedule_months = serializers.ListField(child=serializers.IntegerField(), required=False)
    schedule_weekdays = serializers.ListField(child=serializers.IntegerField(), required=False)
    matters = serializers.SlugRelatedField(
        many=True, slug_field="code", queryset=LocalMatter.objects.all(), required=False
    )

    class Meta:
        model = Window
        fields = [
            "id", "number", "name", "kind", "departments", "staff",
            "schedule_months", "schedule_weekdays", "schedule_note", "matters",
        ]  # fmt: skip
        # Uniqueness is checked by the service, with its own message.
        validators: list = []
        extra_kwargs = {"number": {"validators": []}}


class IntervalSerializer(serializers.ModelSerializer):
    class Meta:
        model = OpeningInterval
        fields = ["weekday", "start", "end"]


class OpeningHoursInputSerializer(serializers.Serializer):
    intervals = IntervalSerializer(many=True)


class ClosureSerializer(serializers.ModelSerializer):
    class Meta:
        model = Closure
        fields = ["id", "start_date", "end_date", "reason"]


class PostSerializer(serializers.ModelSerializer):
    holder_a = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    holder_b = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())

    class Meta:
        model = Post
        fields = ["id", "name", "window", "holder_a", "holder_b"]
        validators: list = []


class ActingHolderSerializer(serializers.Serializer):
    post = serializers.CharField()
    post_id = serializers.IntegerField(source="post.pk")
    window = serializers.CharField(source="post.window", allow_null=True)
    holder_a = UserRefSerializer()
    holder_b = UserRefSerializer()
    a_absent = serializers.BooleanField()
    b_absent = serializers.BooleanField()
    acting = UserRefSerializer(allow_null=True)
    b_covers_a = serializers.BooleanField()
    vacant = serializers.BooleanField()


class AbsenceSerializer(serializers.ModelSerializer):
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())

    class Meta:
        model = Absence
        fields = ["id", "user", "start_date", "end_date", "reason"]


class DutyShiftSerializer(serializers.ModelSerializer):
    users = serializers.PrimaryKeyRelatedField(many=True, queryset=User.objects.all())
    # 带班领导 (seed plan 1 六办件): one of `users`; may confirm a 急办件 that day.
    leader = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = DutyShift
        fields = [
            "id",
            "date",
            "users",
            "leader",
            "role_note",
            "phone",
            "working_day_note",
            "holiday_name",
            "provisional",
        ]
        read_only_fields = ["holiday_name", "provisional"]


class AttendanceSerializer(serializers.ModelSerializer):
    user = UserRefSerializer(read_only=True)

    class Meta:
        model = Attendance
        fields = ["id", "user", "date", "signed_in_at", "signed_out_at"]


class AttendanceSummarySerializer(serializers.Serializer):
    user = UserRefSerializer()
    working_days = serializers.IntegerField()
    present = serializers.IntegerField()
    late = serializers.IntegerField()
    early_leave = serializers.IntegerField()
    on_leave = serializers.IntegerField()
    absent = serializers.IntegerField()


class ServicePointSerializer(serializers.ModelSerializer):
    agents = serializers.PrimaryKeyRelatedField(
        many=True, queryset=User.objects.all(), required=False
    )
    matters = serializers.SlugRelatedField(
        many=True, slug_field="code", queryset=LocalMatter.objects.all(), required=False
    )

    class Meta:
        model = ServicePoint
        fields = [
            "id", "name", "kind", "village", "address", "phone", "hours", "agents", "matters",
        ]  # fmt: skip
        validators: list = []
        extra_kwargs = {"name": {"validators": []}}


class MonthQuerySerializer(serializers.Serializer):
    month = serializers.RegexField(
        r"^\d{4}-(0[1-9]|1[0-2])$",
        error_messages={"invalid": _("Give the month as YYYY-MM.")},
    )


class PhotoUploadSerializer(serializers.Serializer):
    photo = serializers.FileField(help_text=_("JPEG, PNG, GIF or WebP; ≤ 5 MB, ≤ 4000×4000."))
    title = serializers.CharField(required=False, allow_blank=True, max_length=255)


class PhotoSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    url = serializers.SerializerMethodField()

    def get_url(self, image) -> str:
        return image.file.url
