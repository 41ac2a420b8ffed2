from importlib import import_module
from django.db import migrations

from cityplatform.history import InstallAppendOnlyTrigger

# The table's own trigger and function from 0002_audit_entry_append_only give way to the shared one.
legacy = import_module("tenants.audit.migrations.0002_audit_entry_append_only")


class Migration(migrations.Migration):
    dependencies = [("audit", "0006_issue15_case_rules")]

    operations = [
        migrations.RunSQL(legacy.BACKWARD, legacy.FORWARD),
        InstallAppendOnlyTrigger("auditentry", deletable_after=("at", "180 days")),
    ]
