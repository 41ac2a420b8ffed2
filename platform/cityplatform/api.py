"""API-wide pieces: the one exception handler, the bounded pagination, the OpenAPI filter
(the permission class built on the access rules is tenants.accounts.api.permissions)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    """Services raise Django's ValidationError; answer it as a 400 naming each field."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        return Response(detail, status=400)
    return drf_exception_handler(exc, context)


class Pagination(LimitOffsetPagination):
    """?limit= and ?offset= within what PostgreSQL takes: an unbounded limit or offset was a
    500 (bigint out of range), found by schemathesis."""

    max_limit = 1000
    max_offset = 2**62

    def get_offset(self, request):
        return min(super().get_offset(request), self.max_offset)


def only_v1_endpoints(endpoints):
    """The OpenAPI document covers the platform's own API, not Wagtail's internal admin API."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]
