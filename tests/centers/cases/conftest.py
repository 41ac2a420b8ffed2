"""Fixtures for the case desk: a township with adopted matters, a window, staff and a
department or three, built inside the test's transaction."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django_tenants.utils import schema_context

from tenants.accounts.models import Role
from tests.conftest import PASSWORD

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Valid check digits (python-stdnum).
PERSON_ID = "11010519491231002X"
ORG_CODE = "91110000600037341L"


def at(day: str, hour: int = 10) -> datetime.datetime:
    """An aware datetime on a Shanghai working day at `hour`."""
    return datetime.datetime.fromisoformat(day).replace(hour=hour, tzinfo=SHANGHAI)


def make_matter(code, *, mode="promised", promised_days=5, legal_days=20, fee=None, **extra):
    from centers.catalog.models import LocalMatter

    return LocalMatter.objects.create(
        code=code,
        name=extra.pop("name", f"事项{code}"),
        category_name="社会保障",
        authority_level=extra.pop("authority_level", "township"),
        mode=mode,
        legal_days=legal_days,
        promised_days=promised_days,
        fee_free=fee is None,
        fee_amount=fee,
        fee_standard=extra.pop("fee_standard", "工本费每件10元" if fee else ""),
        materials=extra.pop(
            "materials",
            [
                {"name": "居民身份证", "originals": 1, "copies": 1, "required": True, "note": ""},
                {"name": "申请表", "originals": 1, "copies": 0, "required": True, "note": ""},
                {"name": "照片", "originals": 0, "copies": 2, "required": False, "note": ""},
            ],
        ),
        **extra,
    )


class Desk:
    """Everything a case test needs in one township schema."""

    def __init__(self, center, make_user):
        from centers.workspace.models import Department, Window

        self.center = center
        self.director = make_user(center, "director1", Role.CENTER_DIRECTOR)
        self.clerk = make_user(center, "clerk1", Role.WINDOW_STAFF)
        self.clerk_b = make_user(center, "clerk2", Role.WINDOW_STAFF)
        self.agent = make_user(center, "agent1", Role.VILLAGE_AGENT)
        with schema_context(center.schema_name):
            self.window = Window.objects.create(number=1, name="综合窗口", kind="combined")
            self.matter = make_matter("TS-001")
            self.instant = make_matter("TS-002", mode="immediate", promised_days=0)
            self.joint = make_matter("TS-003", mode="joint", promised_days=10)
            self.report = make_matter("TS-004", mode="report", promised_days=15)
            self.paid = make_matter("TS-005", fee="10.00")
            self.departments = [
                Department.objects.create(name=n) for n in ("民政办", "社保所", "农业站")
            ]

    def applicant(self, **extra):
        base = {"kind": "person", "name": "张三", "id_number": PERSON_ID, "phone": "13812345678"}
        return base | extra

    def received(self, matter=None):
        """Every material of the matter, received."""
        matter = matter or self.matter
        return [{"name": m["name"], "state": "received", "originals_received": 1}
                for m in matter.materials]  # fmt: skip


@pytest.fixture
def desk(township, make_user, media_root):
    """The township's case desk; uploads and printed notices go to a temporary folder."""
    return Desk(township, make_user)


def login(client, username):
    response = client.post("/admin/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return client


@pytest.fixture
def clerk(desk, client_for):
    """A logged-in client of the township's window clerk."""
    return login(client_for(desk.center), "clerk1")


@pytest.fixture
def director(desk, client_for):
    """A logged-in client of the township's director."""
    return login(client_for(desk.center), "director1")
