from django.db import migrations

from cityplatform.history import InstallAppendOnlyTrigger


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_issue15_case_rules")]

    operations = [
        InstallAppendOnlyTrigger("catalogevent"),
    ]
