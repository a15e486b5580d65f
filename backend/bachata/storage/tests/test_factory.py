import pytest
from django.core.exceptions import ImproperlyConfigured

from bachata.storage import get_storage
from bachata.storage.gcs import GCSStorage
from bachata.storage.local import LocalStorage

from .conftest import BUCKET


def test_local_storage_lives_in_media_root(settings, tmp_path):
    settings.STORAGE_BACKEND, settings.MEDIA_ROOT = "local", tmp_path
    storage = get_storage()
    assert isinstance(storage, LocalStorage)
    assert storage.root == tmp_path.resolve()
    assert get_storage() is storage


def test_gcs_storage_uses_the_bucket_and_environment_credentials(settings, gcs_emulator):
    settings.STORAGE_BACKEND, settings.GCS_BUCKET, settings.STORAGE_SIGNED_URL_SECONDS = "gcs", BUCKET, 600
    storage = get_storage()
    assert isinstance(storage, GCSStorage)
    assert storage.url_lifetime.total_seconds() == 600
    storage.save("songs/factory.mp3", b"through the emulator")
    assert storage.read("songs/factory.mp3", 8) == b"the emulator"


@pytest.mark.parametrize(("backend", "bucket"), [("gcs", ""), ("s3", "x")])
def test_bad_configuration_is_refused(settings, backend, bucket):
    settings.STORAGE_BACKEND, settings.GCS_BUCKET = backend, bucket
    with pytest.raises(ImproperlyConfigured):
        get_storage()
