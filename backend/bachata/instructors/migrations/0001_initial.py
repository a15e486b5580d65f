# Mirrors the legacy app's instructors.0001_initial (tables before their FKs).
import uuid

from django.db import migrations, models

DIFFICULTY_CHOICES = [("beginner", "Beginner"), ("intermediate", "Intermediate"), ("advanced", "Advanced")]


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="ClassPlan",
            fields=[
                ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ("title", models.CharField(max_length=200)),
                ("description", models.TextField(blank=True, default="")),
                ("difficulty_level", models.CharField(choices=DIFFICULTY_CHOICES, db_index=True, max_length=20)),
                ("estimated_duration", models.IntegerField(blank=True, help_text="Minutes", null=True)),
                ("instructor_notes", models.TextField(blank=True, default="")),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "db_table": "class_plans",
                "ordering": ["-created_at"],
            },
        ),
        migrations.CreateModel(
            name="ClassPlanSequence",
            fields=[
                ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ("sequence_order", models.IntegerField()),
                ("notes", models.TextField(blank=True, default="")),
                ("estimated_time", models.IntegerField(blank=True, help_text="Minutes", null=True)),
            ],
            options={
                "db_table": "class_plan_sequences",
                "ordering": ["sequence_order"],
            },
        ),
    ]
