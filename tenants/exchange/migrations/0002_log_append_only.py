from django.db import migrations

# PostgreSQL itself refuses to change or remove an exchange log entry.
FORWARD = """
CREATE FUNCTION exchange_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'exchange log entries are append-only: % refused', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
CREATE TRIGGER exchange_log_append_only
    BEFORE UPDATE OR DELETE ON exchange_exchangelog
    FOR EACH ROW EXECUTE FUNCTION exchange_log_append_only();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS exchange_log_append_only ON exchange_exchangelog;
DROP FUNCTION IF EXISTS exchange_log_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("exchange", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
