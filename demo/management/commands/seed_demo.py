"""The demo city of `make run`: idempotent, keeps whatever exists."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext
from django_tenants.utils import schema_context

from catalog_cms.search_index.services import center_matters_publish
from demo import appointments as appointments_demo
from demo import cases as cases_demo
from demo import catalog as catalog_demo
from demo import conduct as conduct_demo
from demo import feedback as feedback_demo
from demo import metrics as metrics_demo
from demo import portal as portal_demo
from demo import ratings as ratings_demo
from demo import rectification as rectification_demo
from demo import scoring as scoring_demo
from demo import standards as standards_demo
from demo import supervision as supervision_demo
from demo import workspace as workspace_demo
from demo.city import (
    CENTER_USERS,
    CITY_USERS,
    DEMO_PASSWORD,
    DISTRICTS,
    TOWNSHIPS,
    staff_ensure,
)
from tenants.accounts.models import Role
from tenants.models import Center
from tenants.selectors import center_url
from tenants.services import center_create, city_ensure


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
            staff_ensure(username, role, last, first, district_id=district_id)
        for center in Center.objects.centers():
            with schema_context(center.schema_name):
                for username, role, last, first in CENTER_USERS:
                    staff_ensure(username, role, last, first)
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
