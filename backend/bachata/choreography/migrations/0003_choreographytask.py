# Mirrors the legacy app's choreography.0003_choreographytask.
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import bachata.choreography.models


class Migration(migrations.Migration):
    dependencies = [
        ("choreography", "0002_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ChoreographyTask",
            fields=[
                (
                    "task_id",
                    models.CharField(
                        default=bachata.choreography.models.new_task_id,
                        max_length=36,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("started", "Started"),
                            ("running", "Running"),
                            ("completed", "Completed"),
                            ("failed", "Failed"),
                        ],
                        db_index=True,
                        default="started",
                        max_length=20,
                    ),
                ),
                ("progress", models.IntegerField(default=0)),
                ("stage", models.CharField(default="initializing", max_length=50)),
                ("message", models.TextField(default="Starting choreography generation...")),
                ("result", models.JSONField(blank=True, null=True)),
                ("error", models.TextField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="choreography_tasks",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "db_table": "choreography_tasks",
                "ordering": ["-created_at"],
                "indexes": [
                    models.Index(fields=["user", "status"], name="choreograph_user_id_1f71cb_idx"),
                    models.Index(fields=["created_at"], name="choreograph_created_1c4810_idx"),
                ],
            },
        ),
    ]
