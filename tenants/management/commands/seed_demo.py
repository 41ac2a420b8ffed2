"""The demo city of `make run`: idempotent, keeps whatever exists."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext
from django_tenants.utils import schema_context

from catalog_cms.search_index.services import center_matters_publish
from catalog_cms.standards import demo as standards_demo
from centers.appointments import demo as appointments_demo
from centers.cases import demo as cases_demo
from centers.catalog import demo as catalog_demo
from centers.feedback import demo as feedback_demo
from centers.ratings import demo as ratings_demo
from centers.workspace import demo as workspace_demo
from evaluation.conduct import demo as conduct_demo
from evaluation.metrics import demo as metrics_demo
from evaluation.rectification import demo as rectification_demo
from evaluation.scoring import demo as scoring_demo
from evaluation.supervision import demo as supervision_demo
from portal import demo as portal_demo
from tenants.accounts.models import Role, User
from tenants.accounts.services import staff_user_create
from tenants.models import Center
from tenants.selectors import center_url
from tenants.services import center_create, city_ensure

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


def production_settings() -> bool:
    """The production module, or any settings with DEBUG off."""
    return settings.SETTINGS_MODULE == "cityplatform.settings.production" or not settings.DEBUG


class Command(BaseCommand):
    help = "Build the demo city (2 districts, 5 township/street centers, a user per role)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Load the demo even under the production settings (demo users with a known "
            "password: never on a server with real data).",
        )

    def handle(self, *args, **options):
        if production_settings() and not options["allow_production"]:
            raise CommandError(
                gettext(
                    "seed_demo refuses to run under the production settings: it creates demo "
                    "centers and users whose password is published. Pass --allow-production "
                    "only on a demonstration server without real data."
                )
            )
        city = city_ensure(
            name=settings.DEFAULT_CITY_NAME, division_code=settings.DEFAULT_CITY_CODE
        )
        standards_demo.seed_city()
        for slug, name, code in DISTRICTS:
            self._center(kind="district", slug=slug, name=name, code=code, parent=None)
        for slug, name, code, kind, parent in TOWNSHIPS:
            self._center(kind=kind, slug=slug, name=name, code=code, parent=parent)
        for username, role, last, first, district in CITY_USERS:
            district_id = Center.objects.get(slug=district).pk if district else None
            self._user(username, role, last, first, district_id=district_id)
        for center in Center.objects.centers():
            with schema_context(center.schema_name):
                for username, role, last, first in CENTER_USERS:
                    self._user(username, role, last, first)
                catalog_demo.seed_center(center)
                center_matters_publish(center)
                workspace_demo.seed_center(center)
                cases_demo.seed_center(center)
                feedback_demo.seed_center(center)
                ratings_demo.seed_center(center)
                appointments_demo.seed_center(center)
                portal_demo.seed_center(center)
        portal_demo.seed_city()
        for township in Center.objects.centers().filter(parent__isnull=False):
            cases_demo.seed_referrals(township, township.parent)
        # Supervision and evaluation read what the centers hold: the 差评 first (they count in
        # the snapshots), the snapshots before the rubric's automatic items are scored.
        rectification_demo.seed_city()
        metrics_demo.seed_city()
        scoring_demo.seed_city()
        supervision_demo.seed_city()
        conduct_demo.seed_city()
        self._print(city)

    def _user(self, username, role, last_name, first_name, district_id=None):
        """Create the demo user in the current schema unless it exists already."""
        if not User.objects.filter(username=username).exists():
            staff_user_create(
                username=username,
                password=DEMO_PASSWORD,
                role=role,
                last_name=last_name,
                first_name=first_name,
                district_id=district_id,
            )

    def _center(self, *, kind, slug, name, code, parent):
        if Center.objects.filter(slug=slug).exists():
            return
        center_create(
            kind=kind,
            division_code=code,
            name=name,
            slug=slug,
            parent_slug=parent,
            actor="seed_demo",
            admin_password=DEMO_PASSWORD,
        )

    def _print(self, city):
        out = self.stdout.write
        out("")
        out(f"City portal      {center_url(city)}   admin: {center_url(city)}admin/")
        out("  rankings/ and ratings/ (published); in the admin: supervision/dashboard/,")
        out("  supervision/alerts/, rectifications/, evaluation/ (rubrics, rounds), conduct/")
        for username, role, *_ in CITY_USERS:
            out(f"  {Role(role).label:<24} {username} / {DEMO_PASSWORD}")
        for center in Center.objects.centers().select_related("parent"):
            url = center_url(center)
            out(f"{center.display_name:<16} {url}   admin: {url}admin/")
        out("  in every center: the case desk at admin/cases/, the ledger at admin/ledger/,")
        out("  progress lookup at progress/ (receipt number and the phone's last four digits)")
        out(f"  {Role.CENTER_DIRECTOR.label:<24} admin / {DEMO_PASSWORD}")
        for username, role, *_ in CENTER_USERS:
            out(f"  {Role(role).label:<24} {username} / {DEMO_PASSWORD}")
        out(f"API docs         {center_url(city)}api/docs/   health: {center_url(city)}healthz")
