"""Republish every active center's catalog into the guide search index."""

from django.core.management.base import BaseCommand

from catalog_cms.search_index.services import all_centers_publish


class Command(BaseCommand):
    help = "Rewrite the public guide search index from every active center's catalog."

    def handle(self, *args, **options):
        written = all_centers_publish()
        self.stdout.write(f"published {sum(written.values())} matters of {len(written)} centers")
