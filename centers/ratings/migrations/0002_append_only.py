from django.db import migrations

# PostgreSQL itself refuses to change or remove a rating or an addition, whoever asks: a
# rating is added to, never replaced.
FORWARD = """
CREATE FUNCTION ratings_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ratings are append-only: % refused', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
CREATE TRIGGER ratings_rating_append_only
    BEFORE UPDATE OR DELETE ON ratings_rating
    FOR EACH ROW EXECUTE FUNCTION ratings_append_only();
CREATE TRIGGER ratings_addition_append_only
    BEFORE UPDATE OR DELETE ON ratings_ratingaddition
    FOR EACH ROW EXECUTE FUNCTION ratings_append_only();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS ratings_addition_append_only ON ratings_ratingaddition;
DROP TRIGGER IF EXISTS ratings_rating_append_only ON ratings_rating;
DROP FUNCTION IF EXISTS ratings_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("ratings", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
