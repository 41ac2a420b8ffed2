from importlib import import_module
from django.db import migrations

from cityplatform.history import InstallAppendOnlyTrigger

# The table's own trigger and function from 0002_feedback_event_append_only give way to the shared one.
legacy = import_module("centers.feedback.migrations.0002_feedback_event_append_only")


class Migration(migrations.Migration):
    dependencies = [("feedback", "0003_feedback_anonymised_at")]

    operations = [
        migrations.RunSQL(legacy.BACKWARD, legacy.FORWARD),
        InstallAppendOnlyTrigger("feedbackevent"),
    ]
