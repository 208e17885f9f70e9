"""On PostgreSQL, the access log still refuses UPDATE and DELETE, except the DELETE of the retention
run (`parcours.access.retention.expire_log`), which sets `parcours.log_expiry` for its own
transaction only and leaves a checkpoint (LogExpiry) so that the chain still verifies."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION access_log_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('parcours.log_expiry', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'Le journal des accès ne peut être ni modifié ni effacé.';
END;
$$ LANGUAGE plpgsql;
"""
PREVIOUS = """
CREATE OR REPLACE FUNCTION access_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'Le journal des accès ne peut être ni modifié ni effacé.';
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PREVIOUS)


class Migration(migrations.Migration):
    dependencies = [("access", "0010_break_glass_restriction_expiry")]
    operations = [migrations.RunPython(forwards, backwards)]
