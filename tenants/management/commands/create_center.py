from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from tenants.models import Center
from tenants.services import center_create


def field_label(field: str) -> str:
    try:
        return f"{Center._meta.get_field(field).verbose_name} ({field})"
    except FieldDoesNotExist:
        return field


class Command(BaseCommand):
    leave_locale_alone = True
    help = "Provision a district, township or street center (its schema, domain, site, admin)."

    def add_arguments(self, parser):
        parser.add_argument("--kind", required=True, choices=["district", "township", "street"])
        parser.add_argument("--code", required=True, help="12-digit division code")
        parser.add_argument("--name", required=True, help="Chinese place name, e.g. 清水台镇")
        parser.add_argument("--slug", required=True, help="becomes <slug>.<city domain>")
        parser.add_argument("--parent", help="the parent district's slug (township and street)")

    def handle(self, *args, **options):
        with translation.override(settings.LANGUAGE_CODE):
            self._create(options)

    def _create(self, options):
        try:
            provisioned = center_create(
                kind=options["kind"],
                division_code=options["code"],
                name=options["name"],
                slug=options["slug"],
                parent_slug=options.get("parent"),
                actor="manage.py create_center",
            )
        except ValidationError as exc:
            lines = [
                f"{field_label(field)}: {message}"
                for field, messages in exc.message_dict.items()
                for message in messages
            ]
            raise CommandError("\n".join(lines)) from exc
        center = provisioned.center
        self.stdout.write(_("Created %(name)s") % {"name": center.display_name})
        self.stdout.write(f"URL: {provisioned.url}")
        self.stdout.write(f"Admin: {provisioned.admin_url}")
        self.stdout.write(f"Login: {provisioned.admin_username} / {provisioned.admin_password}")
