from django.db import migrations

from cityplatform.history import InstallAppendOnlyTrigger


class Migration(migrations.Migration):
    dependencies = [("conduct", "0001_initial")]

    operations = [
        InstallAppendOnlyTrigger("conductevent"),
    ]
