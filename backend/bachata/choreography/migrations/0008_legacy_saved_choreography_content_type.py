# The legacy app's admin and permissions name SavedChoreography as `choreography.savedchoreography` (its app);
# our model lives in `collections`, so on a fresh database nothing creates that content type or its
# permissions until the legacy app's own migrate runs (issue 8). Create them as the legacy app has them; on a
# legacy database they exist already and nothing changes. Removed only in phase 2
# (docs/MODEL_REUSE_STRATEGY.md).
from django.db import migrations

LEGACY_APP, MODEL, VERBOSE = "choreography", "savedchoreography", "saved choreography"
ACTIONS = ("add", "change", "delete", "view")


def create_legacy_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    content_type, _ = ContentType.objects.using(schema_editor.connection.alias).get_or_create(
        app_label=LEGACY_APP, model=MODEL
    )
    for action in ACTIONS:
        Permission.objects.using(schema_editor.connection.alias).get_or_create(
            content_type=content_type, codename=f"{action}_{MODEL}", defaults={"name": f"Can {action} {VERBOSE}"}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("choreography", "0007_outside_writes_trigger"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_legacy_content_type, migrations.RunPython.noop)]
