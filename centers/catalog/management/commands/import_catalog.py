"""Load matters from an .xlsx or .csv file: city templates (published, with revisions), or,
with --center, one center's local catalog. Same checks as the admin and the API."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context


class Command(BaseCommand):
    help = "Import matters from FILE (.xlsx or .csv): city templates, or --center SLUG's catalog."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--center", help="slug of the center whose local catalog to load")

    def handle(self, *args, file, center=None, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file")
        content = path.read_bytes()

        def progress(done, total):
            if done == total or done % 20 == 0:
                self.stdout.write(f"{done}/{total}")

        try:
            if center:
                from centers.catalog.services import local_matters_import
                from tenants.models import Center

                target = Center.objects.centers().filter(slug=center).first()
                if target is None:
                    raise CommandError(f"no center {center}")
                with schema_context(target.schema_name):
                    summary = local_matters_import(
                        content=content, filename=path.name, actor="import_catalog",
                        progress=progress,
                    )  # fmt: skip
            else:
                from catalog_cms.standards.services import matter_templates_import

                summary = matter_templates_import(
                    content=content, filename=path.name, actor="import_catalog", progress=progress
                )
        except ValidationError as exc:
            for message in exc.messages:
                self.stderr.write(message)
            raise CommandError(f"{path.name}: nothing imported") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"created {len(summary.created)}, updated {len(summary.updated)}, "
                f"unchanged {len(summary.unchanged)}"
            )
        )
