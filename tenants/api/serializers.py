from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from tenants.models import Center, CenterKind
from tenants.selectors import center_primary_domain


class CenterSerializer(serializers.ModelSerializer):
    """A center as the public directory shows it."""

    kind = serializers.ChoiceField(choices=CenterKind.choices)
    parent = serializers.SerializerMethodField()
    domain = serializers.SerializerMethodField()

    class Meta:
        model = Center
        fields = ["name", "kind", "division_code", "slug", "parent", "domain", "status"]

    def get_parent(self, center: Center) -> str | None:
        return center.parent.slug if center.parent_id else None

    def get_domain(self, center: Center) -> str | None:
        return center_primary_domain(center)


class CenterCreateSerializer(serializers.Serializer):
    """Input for provisioning: the same fields as `manage.py create_center`."""

    kind = serializers.ChoiceField(
        choices=[c for c in CenterKind.choices if c[0] != CenterKind.CITY]
    )
    division_code = serializers.CharField(max_length=12)
    name = serializers.CharField(max_length=50)
    slug = serializers.CharField(max_length=40)
    parent = serializers.CharField(
        max_length=40,
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text=_("the parent district's slug"),
    )


class ProvisionedCenterSerializer(serializers.Serializer):
    center = CenterSerializer()
    url = serializers.URLField()
    admin_url = serializers.URLField()
    admin_username = serializers.CharField()
    admin_password = serializers.CharField()


class StatusChangeSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)
