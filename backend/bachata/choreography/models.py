import uuid

from django.conf import settings
from django.db import models


class TaskStatus(models.TextChoices):
    """The legacy status vocabulary stored in choreography_tasks.status."""

    STARTED = "started", "Started"
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


def new_task_id() -> str:
    return str(uuid.uuid4())


class ChoreographyTask(models.Model):
    """The legacy `choreography_tasks` table.

    The columns status/progress/stage/message/result/error/updated_at/job_execution_name are a projection of the
    task's events (see bachata.choreography.ledger); write them only through the ledger.
    """

    task_id = models.CharField(max_length=36, primary_key=True, default=new_task_id)
    status = models.CharField(
        max_length=20, choices=TaskStatus.choices, default=TaskStatus.STARTED, db_index=True
    )
    progress = models.IntegerField(default=0)
    stage = models.CharField(max_length=50, default="initializing")
    message = models.TextField(default="Starting choreography generation...")
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="choreography_tasks"
    )
    # Added by the new system (nullable, so legacy inserts keep working).
    job_execution_name = models.CharField(max_length=500, null=True, blank=True)

    class Meta:
        db_table = "choreography_tasks"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "status"], name="choreograph_user_id_1f71cb_idx"),
            models.Index(fields=["created_at"], name="choreograph_created_1c4810_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.task_id} ({self.status})"


class EventActor(models.TextChoices):
    API = "api", "API"
    JOB = "job", "Video job"
    ADMIN = "admin", "Admin"
    SYSTEM = "system", "System"
    # Written by the database trigger for a write the ledger did not make (migration 0007).
    OUTSIDE = "outside", "Outside the ledger (legacy app, SQL)"


class TaskEvent(models.Model):
    """One entry of a task's append-only history (new table `task_events`)."""

    id = models.BigAutoField(primary_key=True)
    # No index of its own: UNIQUE(task_id, seq) serves every lookup by task.
    task = models.ForeignKey(
        ChoreographyTask, on_delete=models.CASCADE, related_name="events", db_column="task_id", db_index=False
    )
    seq = models.PositiveIntegerField()
    type = models.CharField(max_length=32)
    payload = models.JSONField(default=dict, blank=True)
    attempt = models.PositiveIntegerField(default=1)
    execution = models.CharField(max_length=500, null=True, blank=True)
    idempotency_key = models.CharField(max_length=200, null=True, blank=True)
    actor = models.CharField(max_length=16, choices=EventActor.choices)
    created_at = models.DateTimeField()
    # Digest of the legacy columns this event left behind: a row that no longer matches it was written
    # outside the ledger (by the legacy app), and the next append adopts it first.
    projection_digest = models.CharField(max_length=32)

    class Meta:
        db_table = "task_events"
        ordering = ["task_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["task", "seq"], name="task_events_task_seq_uniq"),
            models.UniqueConstraint(
                fields=["task", "idempotency_key"],
                condition=models.Q(idempotency_key__isnull=False),
                name="task_events_task_idem_uniq",
            ),
            models.CheckConstraint(condition=models.Q(seq__gte=1), name="task_events_seq_positive"),
        ]
        indexes = [
            models.Index(fields=["-created_at"], name="task_events_latest_idx"),
            models.Index(fields=["type", "-created_at"], name="task_events_type_latest_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.task_id}#{self.seq} {self.type}"
