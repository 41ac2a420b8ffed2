from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from tenants.backup import center_backup, default_backup_path
from tenants.models import Center


def error_lines(exc: ValidationError) -> str:
    return "\n".join(message for messages in exc.message_dict.values() for message in messages)


class Command(BaseCommand):
    leave_locale_alone = True
    help = "Write one center's schema (every table) and media to one file (.tar or .tar.gz)."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="the center's slug")
        parser.add_argument(
            "file",
            nargs="?",
            help=(
                "the backup file to write; gzip-compressed if .gz/.tgz (default: "
                "<PRIVATE_ROOT>/_backups/<slug>-<date and time>.tar.gz, outside every URL)"
            ),
        )

    def handle(self, *args, **options):
        with translation.override(settings.LANGUAGE_CODE):
            center = Center.objects.centers().filter(slug=options["slug"]).first()
            if center is None:
                raise CommandError(
                    _("No center has the slug %(slug)s.") % {"slug": options["slug"]}
                )
            try:
                summary = center_backup(center, options["file"] or default_backup_path(center))
            except ValidationError as exc:
                raise CommandError(error_lines(exc)) from exc
            self.stdout.write(
                _(
                    "Backed up %(name)s to %(file)s: %(tables)d tables, %(rows)d rows, "
                    "%(media)d media files, %(size)d bytes."
                )
                % {
                    "name": center.display_name,
                    "file": summary.path,
                    "tables": summary.tables,
                    "rows": summary.rows,
                    "media": summary.media_files,
                    "size": summary.size,
                }
            )
