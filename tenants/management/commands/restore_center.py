import sys

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from tenants.backup import backup_manifest, center_restore
from tenants.selectors import center_url

from .create_center import field_label


class Command(BaseCommand):
    leave_locale_alone = True
    stealth_options = ("stdin",)
    help = (
        "Restore a center backup as a new center (--slug), or over the center it was made of "
        "(--replace, which asks for confirmation unless --yes)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="a file written by backup_center")
        parser.add_argument("--slug", help="the new center's slug (with --replace: the center)")
        parser.add_argument(
            "--replace", action="store_true", help="restore over the existing center"
        )
        parser.add_argument("--yes", action="store_true", help="do not ask before --replace")
        parser.add_argument("--code", help="the new center's division code (default: the backup's)")
        parser.add_argument("--name", help="the new center's place name (default: the backup's)")
        parser.add_argument("--parent", help="the new center's district (default: the backup's)")

    def handle(self, *args, **options):
        self._stdin = options.get("stdin")
        with translation.override(settings.LANGUAGE_CODE):
            self._restore(options)

    def _restore(self, options):
        slug = options["slug"]
        try:
            if options["replace"]:
                manifest = backup_manifest(options["file"])
                slug = slug or manifest["source"]["slug"]
                if not options["yes"] and not self._confirmed(slug, manifest):
                    raise CommandError(_("Nothing was restored."))
            elif not slug:
                raise CommandError(_("Give the new center's slug with --slug."))
            summary = center_restore(
                options["file"],
                slug,
                replace=options["replace"],
                division_code=options["code"],
                name=options["name"],
                parent_slug=options["parent"],
                actor="manage.py restore_center",
            )
        except ValidationError as exc:
            lines = [
                message if field == "file" else f"{field_label(field)}: {message}"
                for field, messages in exc.message_dict.items()
                for message in messages
            ]
            raise CommandError("\n".join(lines)) from exc
        center = summary.center
        self.stdout.write(
            _("Restored %(name)s: %(tables)d tables, %(rows)d rows, %(media)d media files.")
            % {
                "name": center.display_name,
                "tables": summary.tables,
                "rows": summary.rows,
                "media": summary.media_files,
            }
        )
        self.stdout.write(f"URL: {center_url(center)}")

    def _confirmed(self, slug: str, manifest: dict) -> bool:
        self.stdout.write(
            _(
                "Every row and media file of %(slug)s will be replaced by the backup made at "
                "%(at)s. Type the slug to confirm:"
            )
            % {"slug": slug, "at": manifest.get("created_at")}
        )
        self.stdout.flush()
        answer = (self._stdin or sys.stdin).readline()
        return answer.strip() == slug
