"""`get_storage()`: the storage the settings choose (STORAGE_BACKEND=local|gcs)."""

from datetime import timedelta
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .interface import Storage


@lru_cache(maxsize=4)
def _local(root: str):
    from .local import LocalStorage

    return LocalStorage(root)


@lru_cache(maxsize=4)
def _gcs(bucket: str, url_seconds: int, signed_urls: bool):
    from .gcs import GCSStorage

    return GCSStorage(bucket, url_lifetime=timedelta(seconds=url_seconds), signed_urls=signed_urls)


def get_storage() -> Storage:
    backend = settings.STORAGE_BACKEND
    if backend == "local":
        return _local(str(settings.MEDIA_ROOT))
    if backend == "gcs":
        if not settings.GCS_BUCKET:
            raise ImproperlyConfigured("STORAGE_BACKEND=gcs needs GCS_BUCKET")
        return _gcs(settings.GCS_BUCKET, settings.STORAGE_SIGNED_URL_SECONDS, settings.STORAGE_SIGNED_URLS)
    raise ImproperlyConfigured(f"STORAGE_BACKEND must be local or gcs, not {backend!r}")
