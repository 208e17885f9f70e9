"""On PostgreSQL, the database itself refuses UPDATE and DELETE on the access log.

(TRUNCATE, used only by test-database flushes, is not a row operation and stays possible.)
On SQLite, the model and queryset guards apply.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION access_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'Le journal des accès ne peut être ni modifié ni effacé.';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER access_log_append_only
    BEFORE UPDATE OR DELETE ON access_accesslogentry
    FOR EACH ROW EXECUTE FUNCTION access_log_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS access_log_append_only ON access_accesslogentry;
DROP FUNCTION IF EXISTS access_log_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("access", "0002_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
