import uuid

from django.conf import settings
from django.db import models

from bachata.vocabulary import Difficulty


class ClassPlan(models.Model):
    """The legacy `class_plans` table: an instructor's lesson plan."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    difficulty_level = models.CharField(max_length=20, choices=Difficulty.choices, db_index=True)
    estimated_duration = models.IntegerField(null=True, blank=True, help_text="Minutes")
    instructor_notes = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="class_plans"
    )

    class Meta:
        db_table = "class_plans"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class ClassPlanSequence(models.Model):
    """The legacy `class_plan_sequences` table; UNIQUE(class_plan_id, sequence_order) is NOT deferrable."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    sequence_order = models.IntegerField()
    notes = models.TextField(blank=True, default="")
    estimated_time = models.IntegerField(null=True, blank=True, help_text="Minutes")
    choreography = models.ForeignKey(
        "collections.SavedChoreography", on_delete=models.CASCADE, related_name="class_sequences"
    )
    class_plan = models.ForeignKey(ClassPlan, on_delete=models.CASCADE, related_name="sequences")

    class Meta:
        db_table = "class_plan_sequences"
        ordering = ["sequence_order"]
        unique_together = [("class_plan", "sequence_order")]

    def __str__(self) -> str:
        return f"{self.class_plan_id}#{self.sequence_order}"
