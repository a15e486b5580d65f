"""Song library and uploads."""

import tempfile
from pathlib import Path

from django.conf import settings
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
    limit = settings.SONG_UPLOAD_MAX_BYTES
    if uploaded_file.size > limit:
        raise ApiError(
            f"The file is larger than {limit // (1024 * 1024)} MB.",
            code="file_too_large",
            status_code=413,
            fields={"file": [f"The file is larger than {limit // (1024 * 1024)} MB."]},
        )
    with tempfile.NamedTemporaryFile(suffix=extension) as copy:
        for chunk in uploaded_file.chunks():
            copy.write(chunk)
        copy.flush()
        try:
            probe = probe_audio(copy.name)
        except NotAudio as exc:
            message = f"This file is not a song we can use: {exc}."
            raise ApiError(message, code="not_audio", fields={"file": [message]}) from exc
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
