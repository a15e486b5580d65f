"""Media storage by key: local files under MEDIA_ROOT, or a Google Cloud Storage bucket.

from bachata.storage import get_storage, new_choreography_key
storage = get_storage()
key = storage.save(new_choreography_key("besame.mp4"), video_file, "video/mp4")
storage.url_for(key) or storage.local_path(key)
"""

from .factory import get_storage
from .interface import ObjectNotFound, Storage
from .keys import (
    InvalidKey,
    legacy_output_key,
    legacy_video_path_to_key,
    new_choreography_key,
    new_thumbnail_key,
    new_upload_key,
    safe_filename,
    song_key,
    validate_key,
)

__all__ = [
    "InvalidKey",
    "ObjectNotFound",
    "Storage",
    "get_storage",
    "legacy_output_key",
    "legacy_video_path_to_key",
    "new_choreography_key",
    "new_thumbnail_key",
    "new_upload_key",
    "safe_filename",
    "song_key",
    "validate_key",
]
