from importlib import import_module
from django.db import migrations

from cityplatform.history import InstallAppendOnlyTrigger

# The table's own trigger and function from 0002_log_append_only give way to the shared one.
legacy = import_module("tenants.exchange.migrations.0002_log_append_only")


class Migration(migrations.Migration):
    dependencies = [("exchange", "0003_message_anonymised_at")]

    operations = [
        migrations.RunSQL(legacy.BACKWARD, legacy.FORWARD),
        InstallAppendOnlyTrigger("exchangelog"),
    ]
