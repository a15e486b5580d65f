"""Stored files of collection items."""

import logging

from bachata.storage import InvalidKey, get_storage, legacy_video_path_to_key

logger = logging.getLogger(__name__)


def stored_files_delete(paths: list[str]) -> None:
    """Delete files by their stored path (a storage key, or a legacy absolute path mapped to one)."""
    storage = get_storage()
    for path in paths:
        try:
            storage.delete(legacy_video_path_to_key(path))
        except InvalidKey:
            logger.warning("not deleting %r: not a storage key or legacy video path", path)
