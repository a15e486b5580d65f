import uuid

from django.conf import settings
from django.db import models


class LibrarySong(models.Model):
    """What we know about a song of the shared library (files under the storage prefix `songs/`).

    New table; filled lazily (title from the file name, duration and BPM once analysed).
    """

    key = models.CharField(max_length=500, primary_key=True, help_text="Storage key, e.g. songs/besame.mp3")
    title = models.CharField(max_length=200)
    duration = models.FloatField(null=True, blank=True, help_text="Seconds")
    bpm = models.FloatField(null=True, blank=True)
    size_bytes = models.BigIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "song_library"
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class SongUpload(models.Model):
    """A user's own song, uploaded for generation (new table)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="song_uploads")
    storage_key = models.CharField(max_length=500, unique=True)
    title = models.CharField(max_length=200)
    original_filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size_bytes = models.BigIntegerField()
    duration = models.FloatField(help_text="Seconds")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "song_uploads"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"], name="song_uploads_user_recent_idx")]

    def __str__(self) -> str:
        return self.title
