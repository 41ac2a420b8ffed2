from django.db import migrations

# PostgreSQL itself refuses to change or remove a feedback event, whoever asks.
FORWARD = """
CREATE FUNCTION feedback_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'feedback events are append-only: % refused', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
CREATE TRIGGER feedback_event_append_only
    BEFORE UPDATE OR DELETE ON feedback_feedbackevent
    FOR EACH ROW EXECUTE FUNCTION feedback_event_append_only();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS feedback_event_append_only ON feedback_feedbackevent;
DROP FUNCTION IF EXISTS feedback_event_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("feedback", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
