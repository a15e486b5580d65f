"""`get_move_index()`: the move index the settings choose (MOVE_INDEX=local|elasticsearch)."""

import os
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .interface import MoveIndex


@lru_cache(maxsize=4)
def _local(path: str, modified: float):
    from .local_index import LocalMoveIndex

    return LocalMoveIndex.from_file(path)


@lru_cache(maxsize=4)
def _elasticsearch(url: str, index_name: str, api_key: str):
    from .es_index import ElasticsearchMoveIndex

    return ElasticsearchMoveIndex.from_url(url, index_name, api_key=api_key)


def get_move_index() -> MoveIndex:
    """The configured index; the local file is re-read when it changes. Raises MoveIndexUnavailable if the
    local file is missing (build it with `LocalMoveIndex([], path=...).index_documents(...)`)."""
    kind = settings.MOVE_INDEX
    if kind == "local":
        path = str(settings.MOVE_INDEX_PATH)
        try:
            modified = os.stat(path).st_mtime
        except OSError:
            modified = 0.0  # from_file reports the missing file
        return _local(path, modified)
    if kind == "elasticsearch":
        if not settings.ELASTICSEARCH_URL:
            raise ImproperlyConfigured("MOVE_INDEX=elasticsearch needs ELASTICSEARCH_URL")
        return _elasticsearch(
            settings.ELASTICSEARCH_URL, settings.ELASTICSEARCH_INDEX, settings.ELASTICSEARCH_API_KEY
        )
    raise ImproperlyConfigured(f"MOVE_INDEX must be local or elasticsearch, not {kind!r}")
