"""The coordinator's subject-access page: a new permission, and the roles synced again so the
coordinator group holds it (0002's function, which sets each group to roles.ROLE_PERMISSIONS)."""

from importlib import import_module

from django.db import migrations

_roles = import_module("orchestration.web.migrations.0002_roles")


def resync_roles(apps, schema_editor):
    _roles.create_roles(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("web", "0002_roles")]

    operations = [
        migrations.AlterModelOptions(
            name="staffprofile",
            options={
                "permissions": [
                    ("view_eligible_list", "See the eligible list"),
                    ("export_eligible_list", "Export the eligible list (CSV, XLSX)"),
                    ("view_family", "Open a family's page"),
                    ("view_all_families", "See every family, not only those allocated"),
                    ("view_review_queue", "See the clerical review queue"),
                    ("decide_review", "Record clerical review decisions"),
                    ("view_quality", "See an agency's quality pages and load outcomes"),
                    ("view_audit", "See the audit trail, alerts and spot checks"),
                    ("manage_users", "Grant and remove access, allocate families"),
                    ("subject_access", "Find everything held about one person (subject access)"),
                ]
            },
        ),
        migrations.RunPython(resync_roles, migrations.RunPython.noop),
    ]
