"""Re-encrypt every encrypted personal-data value in every schema under the current key.

After putting a new key first in PII_ENCRYPTION_KEYS (the old one stays listed so it still
decrypts), or changing PII_CIPHER or PII_HASH_KEY:

    manage.py rotate_pii_key            re-encrypt and re-hash, in batches, and print counts
    manage.py rotate_pii_key --check    only count what is not under the current key yet

Every schema holding a table with an EncryptedCharField (each center, archived ones, the
template and the spares), and the exchange payloads in the public schema waiting for delivery.
Each batch commits on its own: a second run changes nothing (idempotent), an interrupted run
goes on where it stopped (resumable). When --check reports 0 everywhere, the old key can be
removed from PII_ENCRYPTION_KEYS.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction
from django_tenants.utils import schema_context

from cityplatform import pii

DEFAULT_BATCH = 1000


class Command(BaseCommand):
    help = "Re-encrypt personal data in every schema under the first of PII_ENCRYPTION_KEYS."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH)
        parser.add_argument(
            "--check", action="store_true", help="Count what still needs it; change nothing."
        )

    def handle(self, *args, batch_size: int, check: bool, **options):
        cipher, key = pii.current_cipher(), pii.keys()[0].key_id
        self.stdout.write(f"current cipher {cipher}, key {key}")
        total_read = total_changed = 0
        for col in pii.encrypted_columns():
            for schema in pii.schemas_with_table(col.table):
                with schema_context(schema):
                    if check:
                        pending = pii.pending_in_table(table=col.table, column=col.column)
                        total_changed += pending
                        self.stdout.write(f"{schema} {col.label}: {pending} to re-encrypt")
                        continue
                    read, changed = pii.reencrypt_table(
                        table=col.table,
                        column=col.column,
                        hash_column=col.hash_column,
                        pk=col.pk,
                        batch_size=batch_size,
                    )
                total_read += read
                total_changed += changed
                self.stdout.write(f"{schema} {col.label}: {read} read, {changed} re-encrypted")
        read, changed = self._exchange(batch_size, check)
        total_read += read
        total_changed += changed
        verb = "to re-encrypt" if check else "re-encrypted"
        self.stdout.write(
            f"exchange payloads: {changed} {verb}"
            if check
            else f"exchange payloads: {read} read, {changed} re-encrypted"
        )
        self.stdout.write(
            f"total: {total_changed} {verb}"
            if check
            else f"total: {total_read} read, {total_changed} re-encrypted"
        )

    def _exchange(self, batch_size: int, check: bool) -> tuple[int, int]:
        """Messages still carrying an applicant (pending or failed: delivered ones keep only a
        masked name), by primary key in batches."""
        from tenants.exchange.models import ExchangeMessage
        from tenants.exchange.services import payload_rotated

        read = changed = 0
        last = None
        while True:
            with transaction.atomic():
                rows = ExchangeMessage.objects.filter(payload__has_key="applicant").order_by("pk")
                if last is not None:
                    rows = rows.filter(pk__gt=last)
                batch = list(rows.select_for_update()[:batch_size])
                for message in batch:
                    rotated = payload_rotated(message.payload)
                    if rotated is None:
                        continue
                    changed += 1
                    if not check:
                        message.payload = rotated
                        message.save(update_fields=["payload"])
            if not batch:
                return read, changed
            read += len(batch)
            last = batch[-1].pk
