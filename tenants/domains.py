"""Which domain the current request or task runs on: the city's (the public schema) or a
center's own. The tenancy core's answer, below every app; `tenants.accounts.permissions`
offers the same predicates with the role checks, so access code imports them from there."""

from django.conf import settings
from django.db import connection


def on_city_domain() -> bool:
    """Whether the current request or task runs on the city's domain (the public schema)."""
    return connection.schema_name == settings.PUBLIC_SCHEMA_NAME


def on_center_domain() -> bool:
    """Whether the current request or task runs on a center's own domain (its schema)."""
    return connection.schema_name != settings.PUBLIC_SCHEMA_NAME


def on_domain_of(center) -> bool:
    """Whether the current request or task runs on `center`'s own domain."""
    return connection.schema_name == center.schema_name
