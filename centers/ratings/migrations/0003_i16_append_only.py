from importlib import import_module
from django.db import migrations

from cityplatform.history import InstallAppendOnlyTrigger

# The table's own trigger and function from 0002_append_only give way to the shared one.
legacy = import_module("centers.ratings.migrations.0002_append_only")


class Migration(migrations.Migration):
    dependencies = [("ratings", "0002_append_only")]

    operations = [
        migrations.RunSQL(legacy.BACKWARD, legacy.FORWARD),
        InstallAppendOnlyTrigger("rating"),
        InstallAppendOnlyTrigger("ratingaddition"),
    ]
