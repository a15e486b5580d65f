# Mirrors the legacy app's choreography.0001_initial (SavedChoreography, before its user FK).
# The model now lives in the collections app; see 0005 and collections.0001.
import uuid

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="SavedChoreography",
            fields=[
                ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ("title", models.CharField(max_length=200)),
                ("video_path", models.FileField(max_length=500, upload_to="choreographies/%Y/%m/")),
                (
                    "thumbnail_path",
                    models.FileField(blank=True, max_length=500, null=True, upload_to="thumbnails/%Y/%m/"),
                ),
                (
                    "difficulty",
                    models.CharField(
                        choices=[
                            ("beginner", "Beginner"),
                            ("intermediate", "Intermediate"),
                            ("advanced", "Advanced"),
                        ],
                        db_index=True,
                        max_length=20,
                    ),
                ),
                ("duration", models.FloatField(help_text="Duration in seconds")),
                ("music_info", models.JSONField(blank=True, null=True)),
                ("generation_parameters", models.JSONField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
            ],
            options={
                "db_table": "saved_choreographies",
                "ordering": ["-created_at"],
            },
        ),
    ]
