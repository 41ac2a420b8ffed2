import pytest
from django_tenants.utils import schema_context

from centers.catalog.services import local_matter_create
from tests.centers.catalog.conftest import templates  # noqa: F401 (two published templates)


@pytest.fixture
def add_matter():
    """Create a local-only matter in a center's catalog (published by the service)."""

    def add(center, code, name, *, conditions="", materials=(), online=False):
        with schema_context(center.schema_name):
            return local_matter_create(
                actor="test",
                code=code,
                name=name,
                category_name="综合",
                authority_level="township",
                mode="immediate",
                conditions=conditions,
                materials=[{"name": m} for m in materials],
                online=online,
            )

    return add
