"""The center's catalog API (center domains). All staff read; only the center director
(MANAGE_CENTER_WORKSPACE) changes the catalog."""

from django.db import connection
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from rest_framework import generics, permissions, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog_cms.standards.selectors import published_templates, templates_for_center_kind
from catalog_cms.standards.tabular import CONTENT_TYPES, export_catalog
from cityplatform.api import Pagination
from tenants.accounts.permissions import Capability, can, on_city_domain
from tenants.audit.services import export_recorded

from .. import selectors, services
from ..models import LOCAL_FIELDS, TEMPLATE_FIELDS, LocalMatter


class CenterStaffReadDirectorWrite(permissions.BasePermission):
    def has_permission(self, request, view):
        if on_city_domain() or not can(request.user, Capability.ACCESS_ADMIN):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        return can(request.user, Capability.MANAGE_CENTER_WORKSPACE)


class LocalMatterSerializer(serializers.ModelSerializer):
    local_only = serializers.BooleanField(source="is_local_only", read_only=True)

    class Meta:
        model = LocalMatter
        fields = [
            "code", "template_id", "adopted_revision_id", "adopted_version", "local_only",
            *TEMPLATE_FIELDS, *LOCAL_FIELDS, "updated_at",
        ]  # fmt: skip
        read_only_fields = ["template_id", "adopted_revision_id", "adopted_version"]


class LocalMatterFilter(filters.FilterSet):
    local_only = filters.BooleanFilter(field_name="template_id", lookup_expr="isnull")
    name = filters.CharFilter(field_name="name", lookup_expr="icontains")
    agency = filters.BooleanFilter(method="filter_agency", label="代办")

    class Meta:
        model = LocalMatter
        fields = ["code", "authority_level", "mode", "category_name", "online"]

    def filter_agency(self, queryset, name, value):
        agency = selectors.agency_matters(connection.tenant).values("pk")
        return queryset.filter(pk__in=agency) if value else queryset.exclude(pk__in=agency)


class LocalMatterList(generics.ListCreateAPIView):
    """GET /api/v1/catalog/matters/ (filters: agency=true for the 代办 list, local_only, …);
    POST creates a local-only matter."""

    serializer_class = LocalMatterSerializer
    permission_classes = [CenterStaffReadDirectorWrite]
    filterset_class = LocalMatterFilter
    ordering_fields = ["code", "name", "updated_at"]
    parser_classes = [JSONParser]

    def get_queryset(self):
        return selectors.local_matters()

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        matter = services.local_matter_create(
            actor=request.user, code=data.pop("code"), name=data.pop("name"), **data
        )
        return Response(self.get_serializer(matter).data, status=status.HTTP_201_CREATED)


class LocalFieldsSerializer(serializers.Serializer):
    window_text = serializers.CharField(max_length=200, required=False, allow_blank=True)
    local_contact = serializers.CharField(max_length=200, required=False, allow_blank=True)
    local_notes = serializers.CharField(required=False, allow_blank=True)


class LocalMatterDetail(APIView):
    """GET /api/v1/catalog/matters/<code>/; PATCH changes the local fields only."""

    serializer_class = LocalMatterSerializer  # for the OpenAPI document

    permission_classes = [CenterStaffReadDirectorWrite]

    def get(self, request, code):
        return Response(LocalMatterSerializer(get_object_or_404(LocalMatter, code=code)).data)

    def patch(self, request, code):
        matter = get_object_or_404(LocalMatter, code=code)
        form = LocalFieldsSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        matter = services.local_matter_set_local_fields(
            local_matter=matter, actor=request.user, **form.validated_data
        )
        return Response(LocalMatterSerializer(matter).data)


class AdoptSerializer(serializers.Serializer):
    codes = serializers.ListField(child=serializers.CharField(), required=False)
    all = serializers.BooleanField(default=False)


class AdoptView(APIView):
    """POST /api/v1/catalog/adopt/ {"codes": [...]} or {"all": true} (every template that
    applies to this center's kind). Idempotent."""

    serializer_class = AdoptSerializer  # for the OpenAPI document

    permission_classes = [CenterStaffReadDirectorWrite]

    def post(self, request):
        form = AdoptSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        if form.validated_data["all"]:
            templates = templates_for_center_kind(connection.tenant.kind)
        else:
            codes = form.validated_data.get("codes") or []
            templates = list(published_templates().filter(code__in=codes))
            missing = sorted(set(codes) - {t.code for t in templates})
            if missing or not codes:
                return Response(
                    {"codes": [f"unknown or unpublished: {', '.join(missing)}" if missing
                               else "give codes or all"]},
                    status=400,
                )  # fmt: skip
        created = services.catalog_adopt(templates=templates, actor=request.user)
        return Response({"adopted": [m.code for m in created]})


class DriftView(APIView):
    """GET /api/v1/catalog/drift/: adopted matters whose template has a newer version."""

    serializer_class = LocalMatterSerializer  # for the OpenAPI document

    permission_classes = [CenterStaffReadDirectorWrite]

    def get(self, request):
        rows = [
            {
                "code": local.code,
                "name": local.name,
                "adopted_version": local.adopted_version,
                "template_version": template.published_version,
                "fields": [name for name, *_rest in selectors.matter_diff(local, template)],
            }
            for local, template in selectors.catalog_drift()
        ]
        paginator = Pagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(page)


class DiffView(APIView):
    """GET /api/v1/catalog/matters/<code>/diff/"""

    serializer_class = LocalMatterSerializer  # for the OpenAPI document

    permission_classes = [CenterStaffReadDirectorWrite]

    def get(self, request, code):
        matter = get_object_or_404(LocalMatter, code=code)
        return Response(
            [
                {"field": f, "label": label, "local": local, "template": remote}
                for f, label, local, remote in selectors.matter_diff(matter)
            ]
        )


class UpdateFromTemplateView(APIView):
    """POST /api/v1/catalog/matters/<code>/update-from-template/"""

    serializer_class = LocalMatterSerializer  # for the OpenAPI document

    permission_classes = [CenterStaffReadDirectorWrite]

    def post(self, request, code):
        matter = get_object_or_404(LocalMatter, code=code)
        matter = services.matter_update_from_template(local_matter=matter, actor=request.user)
        return Response(LocalMatterSerializer(matter).data)


class ImportView(APIView):
    """POST /api/v1/catalog/import/ (multipart `file`)."""

    serializer_class = LocalMatterSerializer  # for the OpenAPI document

    permission_classes = [CenterStaffReadDirectorWrite]
    parser_classes = [MultiPartParser, FormParser]

    def post(self, request):
        upload = request.FILES.get("file")
        if upload is None:
            return Response({"file": ["No file was submitted."]}, status=400)
        summary = services.local_matters_import(
            content=upload.read(), filename=upload.name, actor=request.user
        )
        return Response(summary.as_dict())


class ExportView(APIView):
    """GET /api/v1/catalog/export/?file_format=xlsx|csv"""

    serializer_class = LocalMatterSerializer  # for the OpenAPI document

    permission_classes = [CenterStaffReadDirectorWrite]

    def get(self, request):
        fmt = "csv" if request.query_params.get("file_format") == "csv" else "xlsx"
        items = [selectors.local_matter_data(m) for m in selectors.local_matters()]
        response = HttpResponse(export_catalog(items, fmt), content_type=CONTENT_TYPES[fmt])
        response["Content-Disposition"] = f'attachment; filename="catalog.{fmt}"'
        export_recorded(request, "catalog", rows=len(items), format=fmt)
        return response
