import uuid

from django.conf import settings
from django.db import models

from bachata.vocabulary import Difficulty

SAVED_NAMESPACE = uuid.UUID("a4c3f1d2-5b6e-4f70-8a91-b2c3d4e5f607")


def saved_choreography_id_for_task(task_id: str) -> uuid.UUID:
    """One collection item per task, whoever saves it (auto-save in the job, or the user): same id."""
    return uuid.uuid5(SAVED_NAMESPACE, task_id)


class NullableFileField(models.FileField):
    """A FileField that stores NULL, not '', when it holds no file (what the legacy rows hold)."""

    def get_prep_value(self, value):
        return super().get_prep_value(value) or None


class SavedChoreography(models.Model):
    """The legacy `saved_choreographies` table (a user's collection).

    `video_path` holds a storage key under choreographies/%Y/%m/ for rows we write; legacy rows may hold an
    absolute file path, which the storage layer maps back to a key.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    title = models.CharField(max_length=200)
    video_path = models.FileField(upload_to="choreographies/%Y/%m/", max_length=500)
    # Legacy: an ImageField (same column); a FileField keeps Pillow out of the API. The legacy collection list
    # puts it straight into <img src> and the legacy app never filled it: rows we write leave it NULL (a storage
    # key there is a broken image on the legacy page) and keep the thumbnail's key in `thumbnail` instead.
    thumbnail_path = NullableFileField(upload_to="thumbnails/%Y/%m/", max_length=500, null=True, blank=True)
    # Added by the new system (nullable: legacy inserts leave it NULL): the thumbnail's storage key.
    thumbnail = NullableFileField(
        upload_to="thumbnails/%Y/%m/", max_length=500, null=True, blank=True, db_column="thumbnail_key"
    )
    difficulty = models.CharField(max_length=20, choices=Difficulty.choices, db_index=True)
    duration = models.FloatField(help_text="Duration in seconds")
    music_info = models.JSONField(null=True, blank=True)
    generation_parameters = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="choreographies"
    )

    class Meta:
        db_table = "saved_choreographies"
        ordering = ["-created_at"]
        verbose_name = "saved choreography"
        verbose_name_plural = "saved choreographies"

    def __str__(self) -> str:
        return self.title
