from django.core.management.base import BaseCommand
from django_tenants.utils import schema_context

from centers.workspace.services import facts_publish
from tenants.models import Center


class Command(BaseCommand):
    help = (
        "Publish every center's facts (contacts, hours, closures, floor area, windows) to the "
        "city again, e.g. after a deploy that adds a published field."
    )

    def handle(self, *args, **options):
        count = 0
        for center in Center.objects.centers().order_by("pk"):
            with schema_context(center.schema_name):
                facts_publish()
            count += 1
        self.stdout.write(f"centers published: {count}")
