from django.db import migrations

from cityplatform.history import InstallAppendOnlyTrigger


class Migration(migrations.Migration):
    dependencies = [("scoring", "0001_initial")]

    operations = [
        InstallAppendOnlyTrigger("scoringevent"),
    ]
