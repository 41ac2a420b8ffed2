import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from evaluation.metrics.services import centers_for_backfill, dates_check, snapshot_compute_range


def error_lines(exc: ValidationError) -> str:
    return "\n".join(message for messages in exc.message_dict.values() for message in messages)


def _date(value: str, option: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise CommandError(
            _("%(option)s: %(value)r is not a date (YYYY-MM-DD).")
            % {"option": option, "value": value}
        ) from None


class Command(BaseCommand):
    leave_locale_alone = True
    help = (
        "Rebuild the daily metric snapshots of a range of days, for every active center or "
        "the given ones (each center's days are replaced in one transaction)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", required=True, help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="end", required=True, help="last day, YYYY-MM-DD")
        parser.add_argument(
            "--center", dest="centers", action="append", default=[], metavar="SLUG",
            help="a center's slug (repeat for several; default: every active center)",
        )  # fmt: skip

    def handle(self, *args, **options):
        with translation.override(settings.LANGUAGE_CODE):
            start = _date(options["start"], "--from")
            end = _date(options["end"], "--to")
            errors = dates_check(start, end)
            if errors:
                raise CommandError(error_lines(ValidationError(errors)))
            try:
                centers = centers_for_backfill(options["centers"])
            except ValidationError as exc:
                raise CommandError(error_lines(exc)) from exc
            total = 0
            for center in centers:
                with schema_context(center.schema_name):
                    total += len(snapshot_compute_range(center, start, end))
            self.stdout.write(
                _("Computed %(rows)d snapshots of %(centers)d centers, %(start)s to %(end)s.")
                % {"rows": total, "centers": len(centers), "start": start, "end": end}
            )
