from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation
from django.utils.translation import gettext as _

from tenants.models import Center
from tenants.private_files import MoveSummary, private_files_move


class Command(BaseCommand):
    leave_locale_alone = True
    help = (
        "Move case scans, printed notices and evaluation evidence that older versions kept "
        "under MEDIA_ROOT into the private folder (PRIVATE_ROOT) under random names and point "
        "their rows there. Idempotent; setup_platform runs it."
    )

    def handle(self, *args, **options):
        summary = MoveSummary()
        schemas = [settings.PUBLIC_SCHEMA_NAME, *Center.objects.centers().values_list(
            "schema_name", flat=True
        )]  # fmt: skip
        for schema_name in schemas:
            private_files_move(schema_name, summary)
        with translation.override(settings.LANGUAGE_CODE):
            self.stdout.write(
                _(
                    "Private files: %(moved)d moved, %(kept)d already private, "
                    "%(missing)d rows without a file."
                )
                % {
                    "moved": summary.moved,
                    "kept": summary.already_private,
                    "missing": summary.missing,
                }
            )
            for label, count in sorted(summary.by_model.items()):
                self.stdout.write(f"  {label}: {count}")
