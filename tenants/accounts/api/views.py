from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from tenants.accounts.models import User


class MeSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "role", "district_id"]


class MeView(APIView):
    """The signed-in user of this domain."""

    serializer_class = MeSerializer

    def get(self, request):
        return Response(MeSerializer(request.user).data)
