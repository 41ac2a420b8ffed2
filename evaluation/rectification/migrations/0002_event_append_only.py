from django.db import migrations

# PostgreSQL itself refuses to change or remove a rectification event, whoever asks.
FORWARD = """
CREATE FUNCTION rectification_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'rectification events are append-only: % refused', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
CREATE TRIGGER rectification_event_append_only
    BEFORE UPDATE OR DELETE ON rectification_rectificationevent
    FOR EACH ROW EXECUTE FUNCTION rectification_event_append_only();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS rectification_event_append_only ON rectification_rectificationevent;
DROP FUNCTION IF EXISTS rectification_event_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("rectification", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
