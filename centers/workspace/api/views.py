"""The workspace API (center domains): thin views over services and selectors. Reading needs
admin access in this center (its staff); changing needs MANAGE_CENTER_WORKSPACE (the
director); each user signs their own attendance in and out."""

import datetime

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, renderers, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from tenants.accounts.api.permissions import capability_required
from tenants.accounts.permissions import Capability, can
from tenants.audit.services import export_recorded

from .. import resources, selectors, services
from ..models import Absence, Closure, Department, DutyShift, Post, ServicePoint
from . import serializers as s

READ = capability_required(Capability.ACCESS_ADMIN)
MANAGE = capability_required(Capability.MANAGE_CENTER_WORKSPACE)
READ_ACTIONS = {"list", "retrieve", "export", "acting", "status"}


class _FileRenderer(renderers.BaseRenderer):
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        return renderers.JSONRenderer().render(data)  # errors (403, 400) keep their detail


class XlsxRenderer(_FileRenderer):
    media_type = resources.CONTENT_TYPES["xlsx"]
    format = "xlsx"


class CsvRenderer(_FileRenderer):
    media_type = "text/csv"
    format = "csv"


def export_response(resource, queryset, request, basename: str) -> HttpResponse:
    fmt = request.query_params.get("format", "xlsx")
    data = resources.export_bytes(resource, queryset, fmt)
    response = HttpResponse(data, content_type=resources.CONTENT_TYPES[fmt])
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="{basename}-{stamp}.{fmt}"'
    export_recorded(request, basename, format=fmt)
    return response


EXPORT = dict(
    detail=False,
    methods=["get"],
    renderer_classes=[XlsxRenderer, CsvRenderer],
    filter_backends=[],
    pagination_class=None,
)
EXPORT_SCHEMA = extend_schema(
    parameters=[OpenApiParameter("format", str, enum=["xlsx", "csv"])],
    responses={(200, "application/octet-stream"): bytes},
)


class ServiceViewSet(viewsets.ModelViewSet):
    """A model viewset whose writes go through one save and one delete service."""

    http_method_names = ["get", "post", "put", "delete", "head", "options"]
    instance_kwarg = ""
    save_service = None
    delete_service = None

    def get_permissions(self):
        return [(READ if self.action in READ_ACTIONS else MANAGE)()]

    def perform_create(self, serializer):
        serializer.instance = type(self).save_service(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = type(self).save_service(
            actor=self.request.user,
            **serializer.validated_data,
            **{self.instance_kwarg: serializer.instance},
        )

    def perform_destroy(self, instance):
        type(self).delete_service(actor=self.request.user, **{self.instance_kwarg: instance})


class ProfileView(APIView):
    """GET the profile with its compliance with the city's standards; PUT replaces it."""

    serializer_class = s.ProfileSerializer

    def get_permissions(self):
        return [(READ if self.request.method == "GET" else MANAGE)()]

    def _body(self, profile):
        return {
            "profile": s.ProfileSerializer(profile).data if profile else None,
            "compliance": serializers.JSONField().to_representation(
                _jsonable(selectors.profile_compliance())
            ),
        }

    def get(self, request):
        return Response(self._body(selectors.profile_get()))

    @extend_schema(request=s.ProfileSerializer)
    def put(self, request):
        data = s.ProfileSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        profile = services.profile_update(actor=request.user, **data.validated_data)
        return Response(self._body(profile))


class ProfilePhotoView(APIView):
    """POST a photo (multipart: `photo`, optional `title`) to the profile: checked with Pillow
    (a real image, at most 5 MB and 4000×4000 pixels) and stored as a Wagtail image of this
    center."""

    parser_classes = [MultiPartParser, FormParser]
    permission_classes = [MANAGE]
    serializer_class = s.PhotoUploadSerializer

    @extend_schema(
        request={"multipart/form-data": s.PhotoUploadSerializer}, responses=s.PhotoSerializer
    )
    def post(self, request):
        image = services.profile_photo_add(
            actor=request.user,
            photo=request.FILES.get("photo"),
            title=request.data.get("title", ""),
        )
        return Response(s.PhotoSerializer(image).data, status=201)


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


class DepartmentViewSet(ServiceViewSet):
    queryset = Department.objects.all()
    serializer_class = s.DepartmentSerializer
    filterset_fields = ["kind"]
    ordering_fields = ["order", "name"]
    instance_kwarg = "department"
    save_service = staticmethod(services.department_save)
    delete_service = staticmethod(services.department_delete)


class WindowViewSet(ServiceViewSet):
    serializer_class = s.WindowSerializer
    filterset_fields = ["kind", "departments"]
    ordering_fields = ["number", "name"]
    instance_kwarg = "window"
    save_service = staticmethod(services.window_save)
    delete_service = staticmethod(services.window_delete)

    def get_queryset(self):
        return selectors.windows_list()

    @EXPORT_SCHEMA
    @action(**EXPORT)
    def export(self, request):
        return export_response(resources.WindowResource(), self.get_queryset(), request, "windows")


class OpeningHoursView(APIView):
    """GET the week's hours, the weekly total and the live status; PUT replaces the week."""

    serializer_class = s.OpeningHoursInputSerializer

    def get_permissions(self):
        return [(READ if self.request.method == "GET" else MANAGE)()]

    def _body(self):
        status = selectors.opening_status()
        return {
            "intervals": s.IntervalSerializer(
                selectors.OpeningInterval.objects.all(), many=True
            ).data,
            "weekly_open_hours": str(selectors.weekly_open_hours()),
            "open_now": status["open_now"],
            "next_open_at": status["next_open_at"],
            "today": status["today"],
            "today_hours": status["today_hours"],
        }

    def get(self, request):
        return Response(self._body())

    @extend_schema(request=s.OpeningHoursInputSerializer)
    def put(self, request):
        data = s.OpeningHoursInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.opening_hours_set(
            actor=request.user,
            intervals=[
                (i["weekday"], i["start"], i["end"]) for i in data.validated_data["intervals"]
            ],
        )
        return Response(self._body())


class OpeningHoursExportView(APIView):
    renderer_classes = [XlsxRenderer, CsvRenderer]
    permission_classes = [READ]

    @EXPORT_SCHEMA
    def get(self, request):
        return export_response(
            resources.OpeningHoursResource(),
            selectors.OpeningInterval.objects.all(),
            request,
            "hours",
        )


class ClosureViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Closure.objects.all()
    serializer_class = s.ClosureSerializer
    ordering_fields = ["start_date"]

    def get_permissions(self):
        return [(READ if self.action in READ_ACTIONS else MANAGE)()]

    def perform_create(self, serializer):
        serializer.instance = services.closure_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.closure_delete(actor=self.request.user, closure=instance)


class PostViewSet(ServiceViewSet):
    http_method_names = ["get", "post", "put", "head", "options"]
    queryset = Post.objects.select_related("window", "holder_a", "holder_b")
    serializer_class = s.PostSerializer
    filterset_fields = ["window"]
    instance_kwarg = "post"
    save_service = staticmethod(services.post_save)

    @extend_schema(
        parameters=[OpenApiParameter("date", datetime.date)],
        responses=s.ActingHolderSerializer(many=True),
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def acting(self, request):
        """Who holds each post on a date (default today), given absences: A, or B covering."""
        raw = request.query_params.get("date")
        try:
            day = datetime.date.fromisoformat(raw) if raw else None
        except ValueError:
            return Response({"date": [_("Give the date as YYYY-MM-DD.")]}, status=400)
        rows = selectors.acting_holders(day)
        return Response(s.ActingHolderSerializer(rows, many=True).data)


class AbsenceViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Absence.objects.select_related("user")
    serializer_class = s.AbsenceSerializer
    filterset_fields = ["user"]
    ordering_fields = ["start_date"]

    def get_permissions(self):
        return [(READ if self.action in READ_ACTIONS else MANAGE)()]

    def perform_create(self, serializer):
        serializer.instance = services.absence_create(
            actor=self.request.user, **serializer.validated_data
        )


class DutyShiftViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = DutyShift.objects.prefetch_related("users")
    serializer_class = s.DutyShiftSerializer
    filterset_fields = ["date", "holiday_name"]
    ordering_fields = ["date"]

    def get_permissions(self):
        return [(READ if self.action in READ_ACTIONS else MANAGE)()]

    def perform_create(self, serializer):
        serializer.instance = services.duty_shift_create(
            actor=self.request.user, **serializer.validated_data
        )

    @EXPORT_SCHEMA
    @action(**EXPORT)
    def export(self, request):
        return export_response(
            resources.DutyShiftResource(), self.get_queryset(), request, "duty-roster"
        )


class AttendanceViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Staff see their own attendance, the director everyone's; each signs in and out for
    themself."""

    serializer_class = s.AttendanceSerializer
    filterset_fields = ["date", "user"]
    ordering_fields = ["date"]
    permission_classes = [READ]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # OpenAPI generation has no real user
            return s.AttendanceSerializer.Meta.model.objects.none()
        user = self.request.user
        return selectors.attendance_for(user, manager=can(user, Capability.MANAGE_CENTER_WORKSPACE))

    @extend_schema(request=None, responses=s.AttendanceSerializer)
    @action(detail=False, methods=["post"], url_path="sign-in")
    def sign_in(self, request):
        record = services.attendance_sign_in(user=request.user)
        return Response(s.AttendanceSerializer(record).data, status=201)

    @extend_schema(request=None, responses=s.AttendanceSerializer)
    @action(detail=False, methods=["post"], url_path="sign-out")
    def sign_out(self, request):
        record = services.attendance_sign_out(user=request.user)
        return Response(s.AttendanceSerializer(record).data)

    @extend_schema(
        parameters=[OpenApiParameter("month", str, required=True, description="YYYY-MM")],
        responses=s.AttendanceSummarySerializer(many=True),
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def summary(self, request):
        if not can(request.user, Capability.MANAGE_CENTER_WORKSPACE):
            return Response({"detail": _("Only the center director sees the summary.")}, status=403)
        query = s.MonthQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        year, month = map(int, query.validated_data["month"].split("-"))
        rows = selectors.attendance_monthly_summary(year, month)
        return Response(s.AttendanceSummarySerializer(rows, many=True).data)

    @EXPORT_SCHEMA
    @action(**EXPORT)
    def export(self, request):
        return export_response(
            resources.AttendanceResource(), self.get_queryset(), request, "attendance"
        )


class StaffExportView(APIView):
    renderer_classes = [XlsxRenderer, CsvRenderer]
    permission_classes = [READ]

    @EXPORT_SCHEMA
    def get(self, request):
        return export_response(
            resources.StaffResource(), selectors.center_staff(), request, "staff"
        )


class ServicePointViewSet(ServiceViewSet):
    http_method_names = ["get", "post", "put", "head", "options"]
    queryset = ServicePoint.objects.prefetch_related("agents")
    serializer_class = s.ServicePointSerializer
    filterset_fields = ["kind"]
    ordering_fields = ["name"]
    instance_kwarg = "point"
    save_service = staticmethod(services.service_point_save)
