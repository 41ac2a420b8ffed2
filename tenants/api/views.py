import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from tenants import services
from tenants.accounts.api.permissions import capability_required
from tenants.accounts.permissions import Capability
from tenants.models import Center
from tenants.selectors import center_directory

from .serializers import (
    CenterCreateSerializer,
    CenterSerializer,
    ProvisionedCenterSerializer,
    StatusChangeSerializer,
)


class CenterFilter(django_filters.FilterSet):
    parent = django_filters.CharFilter(field_name="parent__slug")

    class Meta:
        model = Center
        fields = ["kind", "status", "parent"]


class CenterViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The directory of centers (public) and their provisioning and status (city
    administrators). Only served on the city's domain."""

    lookup_field = "slug"
    serializer_class = CenterSerializer
    filterset_class = CenterFilter
    ordering_fields = ["division_code", "name", "slug"]

    def get_queryset(self):
        return center_directory()

    def get_permissions(self):
        if self.action in ("list", "retrieve"):
            return [permissions.AllowAny()]
        return [capability_required(Capability.MANAGE_CENTERS)()]

    def _actor(self) -> str:
        return f"api:{self.request.user.username}"

    @extend_schema(request=CenterCreateSerializer, responses={201: ProvisionedCenterSerializer})
    def create(self, request):
        data = CenterCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        provisioned = services.center_create(
            kind=data.validated_data["kind"],
            division_code=data.validated_data["division_code"],
            name=data.validated_data["name"],
            slug=data.validated_data["slug"],
            parent_slug=data.validated_data.get("parent") or None,
            actor=self._actor(),
        )
        return Response(
            ProvisionedCenterSerializer(provisioned).data, status=status.HTTP_201_CREATED
        )

    def _change(self, request, service):
        data = StatusChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        center = service(
            center=self.get_object(),
            actor=self._actor(),
            reason=data.validated_data.get("reason", ""),
        )
        return Response(CenterSerializer(center).data)

    @extend_schema(request=StatusChangeSerializer, responses=CenterSerializer)
    @action(detail=True, methods=["post"])
    def suspend(self, request, slug=None):
        return self._change(request, services.center_suspend)

    @extend_schema(request=StatusChangeSerializer, responses=CenterSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request, slug=None):
        return self._change(request, services.center_resume)

    @extend_schema(request=StatusChangeSerializer, responses=CenterSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request, slug=None):
        return self._change(request, services.center_archive)
