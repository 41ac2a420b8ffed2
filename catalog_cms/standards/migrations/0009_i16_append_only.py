from django.db import migrations

from cityplatform.history import InstallAppendOnlyTrigger


class Migration(migrations.Migration):
    dependencies = [("standards", "0008_issue15_case_rules")]

    operations = [
        InstallAppendOnlyTrigger("standardsauditevent"),
    ]
