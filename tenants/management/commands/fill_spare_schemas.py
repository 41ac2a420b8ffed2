from django.core.management.base import BaseCommand

from tenants.schemas import spare_schemas_fill, template_schema_ensure


class Command(BaseCommand):
    help = "Make sure the template schema is migrated and the spare schema pool is full."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=None)

    def handle(self, *args, **options):
        template_schema_ensure(verbosity=0)
        made = spare_schemas_fill(options["count"])
        self.stdout.write(f"spare schemas made: {made}")
