"""Song library and uploads."""

import tempfile
from pathlib import Path

from django.conf import settings
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.db import transaction

from bachata.api.errors import ApiError
from bachata.storage import get_storage, new_upload_key

from .audio import NotAudio, probe_audio
from .models import LibrarySong, SongUpload
from .selectors import SONGS_PREFIX, title_from_filename

AUDIO_EXTENSIONS = {
    ".mp3": "audio/mpeg",
    ".wav": "audio/wav",
    ".ogg": "audio/ogg",
    ".m4a": "audio/mp4",
    ".flac": "audio/flac",
}


def library_sync() -> list[LibrarySong]:
    """The library's songs: audio files under `songs/` in storage, with what we know about each."""
    keys = [k for k in get_storage().list_keys(SONGS_PREFIX) if Path(k).suffix.lower() in AUDIO_EXTENSIONS]
    known = set(LibrarySong.objects.filter(pk__in=keys).values_list("pk", flat=True))
    LibrarySong.objects.bulk_create(
        [LibrarySong(key=k, title=title_from_filename(k)) for k in keys if k not in known],
        ignore_conflicts=True,
    )
    return list(LibrarySong.objects.filter(pk__in=keys).order_by("title", "key"))


# Room for the multipart framing and the title beside the file itself.
MULTIPART_OVERHEAD_BYTES = 64 * 1024


def _too_large() -> ApiError:
    limit = settings.SONG_UPLOAD_MAX_BYTES
    message = f"The file is larger than {limit // (1024 * 1024)} MB."
    return ApiError(message, code="file_too_large", status_code=413, fields={"file": [message]})


def song_upload_check_length(content_length: str | None) -> None:
    """Refuse a body that says it is too large before a byte of it is read."""
    limit = settings.SONG_UPLOAD_MAX_BYTES + MULTIPART_OVERHEAD_BYTES
    if content_length and content_length.isdigit() and int(content_length) > limit:
        raise _too_large()


class LimitedUploadHandler(TemporaryFileUploadHandler):
    """Spools the file as Django does, but stops reading the moment it passes the limit (a body without a
    truthful Content-Length cannot fill the disk)."""

    def new_file(self, *args, **kwargs):
        self.received = 0
        super().new_file(*args, **kwargs)

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.SONG_UPLOAD_MAX_BYTES:
            self.file.close()  # a closed temporary upload deletes its file
            raise _too_large()
        return super().receive_data_chunk(raw_data, start)


def song_upload_create(*, user, uploaded_file, title: str = "") -> SongUpload:
    """Check the upload is a song we can use, store it under uploads/, and record it."""
    name = uploaded_file.name or "song"
    extension = Path(name).suffix.lower()
    if extension not in AUDIO_EXTENSIONS:
        raise ApiError(
            "Upload an MP3, WAV, OGG, M4A or FLAC file.",
            code="unsupported_format",
            fields={"file": ["Upload an MP3, WAV, OGG, M4A or FLAC file."]},
        )
    if uploaded_file.size > settings.SONG_UPLOAD_MAX_BYTES:
        raise _too_large()
    with tempfile.NamedTemporaryFile(suffix=extension) as copy:
        for chunk in uploaded_file.chunks():
            copy.write(chunk)
        copy.flush()
        try:
            probe = probe_audio(copy.name)
        except NotAudio as exc:
            message = f"This file is not a song we can use: {exc}."
            raise ApiError(message, code="not_audio", fields={"file": [message]}) from exc
        if probe.duration < settings.SONG_MIN_SECONDS:
            message = (
                f"The song is too short: {probe.duration:.1f} seconds; it needs at least "
                f"{settings.SONG_MIN_SECONDS:g} seconds."
            )
            raise ApiError(message, code="song_too_short", fields={"file": [message]})
        if probe.duration > settings.SONG_MAX_SECONDS:
            message = f"The song is too long: at most {settings.SONG_MAX_SECONDS // 60} minutes."
            raise ApiError(message, code="song_too_long", fields={"file": [message]})
        key = new_upload_key(user.pk, name)
        copy.seek(0)
        get_storage().save(key, copy, AUDIO_EXTENSIONS[extension])
    try:
        with transaction.atomic():
            return SongUpload.objects.create(
                user=user,
                storage_key=key,
                title=(title or title_from_filename(name))[:200],
                original_filename=name[:255],
                content_type=AUDIO_EXTENSIONS[extension],
                size_bytes=uploaded_file.size,
                duration=round(probe.duration, 3),
            )
    except Exception:
        get_storage().delete(key)  # nothing half-written: no row, no orphan file
        raise


def song_upload_delete(*, upload: SongUpload) -> None:
    key = upload.storage_key
    with transaction.atomic():
        upload.delete()
        transaction.on_commit(lambda: get_storage().delete(key))
