"""The city's standards API (city domain): compliance, matter templates, district catalogs.
Thin: parse, ask permissions, call a selector or a service."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from rest_framework import generics, permissions, serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from cityplatform.api import Pagination
from tenants.accounts.api.permissions import capability_required
from tenants.accounts.permissions import Capability, can, on_city_domain, visible_centers
from tenants.audit.services import export_recorded
from tenants.models import Center

from .. import selectors, services
from ..models import DistrictCatalogEntry, MatterTemplate
from ..tabular import CONTENT_TYPES, export_catalog


class CityStaff(permissions.BasePermission):
    def has_permission(self, request, view):
        return on_city_domain() and can(request.user, Capability.ACCESS_ADMIN)


class ComplianceView(APIView):
    """GET /api/v1/compliance/: every center against the standards (city administrators),
    or the user's district (district supervisors and evaluators). Filters: district (slug),
    kind, compliant (true/false)."""

    permission_classes = [CityStaff]

    def get(self, request):
        rows = selectors.compliance(user=request.user)
        district = request.query_params.get("district")
        if district:
            rows = [
                r
                for r in rows
                if district in (r.center.slug, getattr(r.center.parent, "slug", None))
            ]
        kind = request.query_params.get("kind")
        if kind:
            rows = [r for r in rows if r.center.kind == kind]
        compliant = request.query_params.get("compliant")
        if compliant in ("true", "false"):
            rows = [r for r in rows if r.compliant == (compliant == "true")]
        paginator = Pagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response([_compliance_row(r) for r in page])


def _compliance_row(row) -> dict:
    facts, standard = row.facts, row.standard
    return {
        "center": row.center.slug,
        "name": row.center.display_name,
        "kind": row.center.kind,
        "district": row.center.parent.slug if row.center.parent else row.center.slug,
        "floor_area_m2": None
        if not facts or facts.floor_area_m2 is None
        else str(facts.floor_area_m2),
        "min_floor_area_m2": str(standard.min_floor_area_m2) if standard else None,
        "weekly_open_hours": None
        if not facts or facts.weekly_open_hours is None
        else str(facts.weekly_open_hours),
        "min_weekly_open_hours": str(standard.min_weekly_open_hours) if standard else None,
        "windows_count": facts.windows_count if facts else None,
        "missing_rules": row.missing_rules,
        "compliant": row.compliant,
        "problems": [str(p) for p in row.problems],
        "updated_at": facts.updated_at if facts else None,
    }


class MatterTemplateSerializer(serializers.ModelSerializer):
    category = serializers.CharField(source="category.name")
    materials = serializers.SerializerMethodField()
    life_events = serializers.SerializerMethodField()

    class Meta:
        model = MatterTemplate
        fields = [
            "id", "code", "name", "category", "matter_type", "authority_level", "mode",
            "handling_body", "legal_basis", "conditions", "procedure", "time_limit_text",
            "result", "fee_basis", "fee_standard", "supervision", "legal_days", "promised_days",
            "fee_free", "fee_amount", "departments", "online", "visits", "materials",
            "life_events", "live_revision", "published_version",
        ]  # fmt: skip

    def get_materials(self, obj):
        return [
            {"name": m.name, "originals": m.originals, "copies": m.copies, "required": m.required,
             "note": m.note, "tolerance": m.tolerance}
            for m in obj.materials.all()
        ]  # fmt: skip

    def get_life_events(self, obj):
        return [e.name for e in obj.life_events.all()]


class MatterTemplateFilter(filters.FilterSet):
    category = filters.CharFilter(field_name="category__name")
    name = filters.CharFilter(field_name="name", lookup_expr="icontains")

    class Meta:
        model = MatterTemplate
        fields = ["code", "category", "authority_level", "mode", "matter_type", "online"]


class MatterTemplateList(generics.ListAPIView):
    """GET /api/v1/matter-templates/: the published templates (open to everyone)."""

    serializer_class = MatterTemplateSerializer
    permission_classes = [permissions.AllowAny]
    filterset_class = MatterTemplateFilter
    ordering_fields = ["code", "name"]

    def get_queryset(self):
        return selectors.published_templates()


class ImportSerializer(serializers.Serializer):
    file = serializers.FileField()
    dry_run = serializers.BooleanField(default=False)


class MatterTemplateImport(APIView):
    """POST /api/v1/matter-templates/import/ (multipart `file`, optional `dry_run`): preview
    or apply a file of templates. Every bad row is answered with a 400; nothing is saved."""

    permission_classes = [capability_required(Capability.EDIT_CITY_STANDARDS)]
    parser_classes = [MultiPartParser, FormParser]

    def post(self, request):
        form = ImportSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload = form.validated_data["file"]
        content = upload.read()
        if form.validated_data["dry_run"]:
            _rows, summary = services.matter_templates_preview(
                content=content, filename=upload.name, actor=request.user
            )
            return Response(summary.as_dict(), status=400 if summary.errors else 200)
        summary = services.matter_templates_import(
            content=content, filename=upload.name, actor=request.user
        )
        return Response(summary.as_dict())


class MatterTemplateExport(APIView):
    """GET /api/v1/matter-templates/export/?file_format=xlsx|csv"""

    permission_classes = [capability_required(Capability.EDIT_CITY_STANDARDS)]

    def get(self, request):
        fmt = "csv" if request.query_params.get("file_format") == "csv" else "xlsx"
        items = [selectors.matter_data(t) for t in selectors.published_templates()]
        response = HttpResponse(export_catalog(items, fmt), content_type=CONTENT_TYPES[fmt])
        response["Content-Disposition"] = f'attachment; filename="matter-templates.{fmt}"'
        export_recorded(request, "matter-templates", rows=len(items), format=fmt)
        return response


class DistrictEntrySerializer(serializers.ModelSerializer):
    district = serializers.SlugRelatedField(slug_field="slug", queryset=Center.objects.centers())
    template = serializers.SlugRelatedField(
        slug_field="code", queryset=MatterTemplate.objects.all()
    )
    template_name = serializers.CharField(source="template.name", read_only=True)

    class Meta:
        model = DistrictCatalogEntry
        validators: list = []  # the service updates an existing entry (idempotent)
        fields = [
            "id",
            "district",
            "template",
            "template_name",
            "receiving_window",
            "local_contact",
        ]


class DistrictCatalogList(generics.ListCreateAPIView):
    """GET/POST /api/v1/district-catalog/: the district catalogs the user supervises (city
    administrators: all; district supervisors: their district's). Filter: district (slug)."""

    serializer_class = DistrictEntrySerializer
    permission_classes = [CityStaff]
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def get_queryset(self):
        districts = visible_centers(self.request.user, Center.objects.filter(kind="district"))
        entries = DistrictCatalogEntry.objects.filter(district__in=districts).select_related(
            "district", "template"
        )
        if slug := self.request.query_params.get("district"):
            entries = entries.filter(district__slug=slug)
        return entries.order_by("district__slug", "template__code")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        district = serializer.validated_data["district"]
        if not can(request.user, Capability.SUPERVISE_CENTER, district):
            raise PermissionDenied
        entry = services.district_catalog_entry_add(
            district=district,
            template=serializer.validated_data["template"],
            receiving_window=serializer.validated_data.get("receiving_window", ""),
            local_contact=serializer.validated_data.get("local_contact", ""),
            actor=request.user,
        )
        return Response(self.get_serializer(entry).data, status=status.HTTP_201_CREATED)


class DistrictCatalogDetail(APIView):
    """DELETE /api/v1/district-catalog/<id>/"""

    permission_classes = [CityStaff]

    def delete(self, request, pk):
        entry = get_object_or_404(DistrictCatalogEntry.objects.select_related("district"), pk=pk)
        if not can(request.user, Capability.SUPERVISE_CENTER, entry.district):
            raise NotFound
        services.district_catalog_entry_remove(entry=entry, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
