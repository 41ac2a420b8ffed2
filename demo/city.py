"""The demo city's shape: its centers, its people and their one published password."""

from tenants.accounts.models import Role, User
from tenants.accounts.services import staff_user_create

DEMO_PASSWORD = "Demo-2026-center"

DISTRICTS = [
    ("shenbei", "沈北新区", "210113000000"),
    ("hunnan", "浑南区", "210112000000"),
]
TOWNSHIPS = [
    ("qingshuitai", "清水台镇", "210113105000", "township", "shenbei"),
    ("huangjia", "黄家锡伯族乡", "210113201000", "township", "shenbei"),
    ("hushitai", "虎石台街道", "210113002000", "street", "shenbei"),
    ("taoxian", "桃仙街道", "210112012000", "street", "hunnan"),
    ("lixiang", "李相街道", "210112013000", "street", "hunnan"),
]
CITY_USERS = [
    ("city-admin", Role.CITY_ADMIN, "王", "建国", None),
    ("shenbei-supervisor", Role.DISTRICT_SUPERVISOR, "李", "秀英", "shenbei"),
    ("shenbei-evaluator", Role.EVALUATOR, "张", "伟", "shenbei"),
    ("hunnan-supervisor", Role.DISTRICT_SUPERVISOR, "刘", "洋", "hunnan"),
    ("hunnan-evaluator", Role.EVALUATOR, "周", "敏", "hunnan"),
]
CENTER_USERS = [
    ("window1", Role.WINDOW_STAFF, "陈", "静"),
    ("window2", Role.WINDOW_STAFF, "杨", "帆"),
    ("agent1", Role.VILLAGE_AGENT, "赵", "磊"),
]


def staff_ensure(username, role, last_name, first_name, district_id=None) -> None:
    """The demo user in the current schema, with the demo password, unless it exists."""
    if not User.objects.filter(username=username).exists():
        staff_user_create(
            username=username,
            password=DEMO_PASSWORD,
            role=role,
            last_name=last_name,
            first_name=first_name,
            district_id=district_id,
        )
