"""The "DPO" group: its members hold access.view_audit, the audit view of the access log.

The permission is created here when it does not exist yet (Django creates permissions only after
all migrations have run).
"""

from django.db import migrations

GROUP = "DPO"


def create_dpo_group(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    alias = schema_editor.connection.alias
    content_type, _ = ContentType.objects.using(alias).get_or_create(app_label="access", model="accesslogentry")
    permission, _ = Permission.objects.using(alias).get_or_create(
        content_type=content_type,
        codename="view_audit",
        defaults={"name": "Consulter l'audit des accès (délégué à la protection des données)"},
    )
    group, _ = Group.objects.using(alias).get_or_create(name=GROUP)
    group.permissions.add(permission)


def remove_dpo_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.using(schema_editor.connection.alias).filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0006_chain_constraints"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_dpo_group, remove_dpo_group)]
