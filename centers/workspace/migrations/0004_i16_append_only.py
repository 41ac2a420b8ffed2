from django.db import migrations

from cityplatform.history import InstallAppendOnlyTrigger


class Migration(migrations.Migration):
    dependencies = [("workspace", "0003_issue15_case_rules")]

    operations = [
        InstallAppendOnlyTrigger("workspaceauditevent"),
    ]
