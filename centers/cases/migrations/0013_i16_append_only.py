from importlib import import_module
from django.db import migrations

from cityplatform.history import InstallAppendOnlyTrigger

# The table's own trigger and function from 0002_case_event_append_only give way to the shared one.
legacy = import_module("centers.cases.migrations.0002_case_event_append_only")


class Migration(migrations.Migration):
    dependencies = [("cases", "0012_issue15_case_rules")]

    operations = [
        migrations.RunSQL(legacy.BACKWARD, legacy.FORWARD),
        InstallAppendOnlyTrigger("caseevent"),
    ]
