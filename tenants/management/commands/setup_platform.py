from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django_tenants.utils import schema_context

from tenants.models import Center
from tenants.provisioning import EXISTING_CENTER, run_steps
from tenants.schemas import spare_schemas_fill, template_schema_ensure
from tenants.selectors import center_primary_domain
from tenants.services import city_ensure


class Command(BaseCommand):
    help = (
        "Deploy step: migrate the public schema, the template schema and every center "
        "(skipping those up to date), make sure the city row exists and every site has its "
        "notices section, move private files out of MEDIA_ROOT, fill the spare pool."
    )

    def add_arguments(self, parser):
        parser.add_argument("--city-name", default=settings.DEFAULT_CITY_NAME)
        parser.add_argument("--city-code", default=settings.DEFAULT_CITY_CODE)

    def handle(self, *args, **options):
        verbosity = options["verbosity"]
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=verbosity)
        template_schema_ensure(verbosity=verbosity)
        call_command("migrate_schemas", tenant=True, interactive=False, verbosity=verbosity)
        city = city_ensure(name=options["city_name"], division_code=options["city_code"])
        # Centers provisioned before a step existed get what it makes (idempotent, a few queries).
        for center in Center.objects.centers().prefetch_related("domains"):
            with schema_context(center.schema_name):
                run_steps(EXISTING_CENTER, center, center_primary_domain(center) or "")
        # Scans, notices and evidence that older versions kept under MEDIA_ROOT (idempotent).
        call_command("move_private_files", verbosity=verbosity)
        made = spare_schemas_fill()
        self.stdout.write(f"city: {city.name} ({city.division_code}); spare schemas made: {made}")
