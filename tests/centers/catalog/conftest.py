import pytest

from catalog_cms.standards.selectors import published_templates
from catalog_cms.standards.services import matter_templates_import
from tests.conftest import PASSWORD
from tests.standards.factories import csv_bytes, row


@pytest.fixture
def templates(city):
    """Two published city templates: QST-MZ-001 (district level, so 代办 for a township) and
    QST-HJ-001 (township level)."""
    content = csv_bytes(
        [
            row(),
            row(code="QST-HJ-001", name="生育登记", 权限层级="乡镇", 办理方式="即办", 承诺时限="0"),
        ]
    )
    matter_templates_import(content=content, filename="t.csv", actor="test")
    return list(published_templates())


@pytest.fixture
def login(client_for):
    def make(center, username):
        client = client_for(center)
        response = client.post("/admin/login/", {"username": username, "password": PASSWORD})
        assert response.status_code == 302, response.content
        return client

    return make
