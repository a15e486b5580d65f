# New in the API era: the job execution column (nullable) and the task_events ledger table.
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("choreography", "0003_choreographytask"),
    ]

    operations = [
        migrations.AddField(
            model_name="choreographytask",
            name="job_execution_name",
            field=models.CharField(blank=True, max_length=500, null=True),
        ),
        migrations.CreateModel(
            name="TaskEvent",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("seq", models.PositiveIntegerField()),
                ("type", models.CharField(max_length=32)),
                ("payload", models.JSONField(blank=True, default=dict)),
                ("attempt", models.PositiveIntegerField(default=1)),
                ("execution", models.CharField(blank=True, max_length=500, null=True)),
                ("idempotency_key", models.CharField(blank=True, max_length=200, null=True)),
                (
                    "actor",
                    models.CharField(
                        choices=[("api", "API"), ("job", "Video job"), ("admin", "Admin"), ("system", "System")],
                        max_length=16,
                    ),
                ),
                ("created_at", models.DateTimeField()),
                ("projection_digest", models.CharField(max_length=32)),
                (
                    "task",
                    models.ForeignKey(
                        db_column="task_id",
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="choreography.choreographytask",
                    ),
                ),
            ],
            options={
                "db_table": "task_events",
                "ordering": ["task_id", "seq"],
                "indexes": [
                    models.Index(fields=["-created_at"], name="task_events_latest_idx"),
                    models.Index(fields=["type", "-created_at"], name="task_events_type_latest_idx"),
                ],
                "constraints": [
                    models.UniqueConstraint(fields=("task", "seq"), name="task_events_task_seq_uniq"),
                    models.UniqueConstraint(
                        condition=models.Q(("idempotency_key__isnull", False)),
                        fields=("task", "idempotency_key"),
                        name="task_events_task_idem_uniq",
                    ),
                    models.CheckConstraint(condition=models.Q(("seq__gte", 1)), name="task_events_seq_positive"),
                ],
            },
        ),
    ]
