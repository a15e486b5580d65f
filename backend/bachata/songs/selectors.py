from pathlib import Path

from .models import LibrarySong, SongUpload

SONGS_PREFIX = "songs/"


def title_from_filename(name: str) -> str:
    stem = Path(name).stem.replace("_", " ").replace("-", " ").strip()
    return " ".join(word.capitalize() for word in stem.split())[:200] or "Untitled"


def song_key_from_id(song_id: str) -> str:
    """Library songs are addressed by their storage key, with or without the `songs/` prefix."""
    song_id = song_id.strip().lstrip("/")
    return song_id if song_id.startswith(SONGS_PREFIX) else SONGS_PREFIX + song_id


def upload_for_user(user, upload_id) -> SongUpload | None:
    return SongUpload.objects.filter(user=user, pk=upload_id).first()


def library_song_exists(key: str) -> bool:
    """Known to the library, or present in storage under songs/ (listing the library records it)."""
    from bachata.storage import InvalidKey, get_storage

    if LibrarySong.objects.filter(pk=key).exists():
        return True
    try:
        return get_storage().exists(key)
    except InvalidKey:
        return False
