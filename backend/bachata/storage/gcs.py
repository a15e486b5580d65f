"""Storage in an existing Google Cloud Storage bucket (production).

Credentials come from the environment (the Cloud Run service account, GOOGLE_APPLICATION_CREDENTIALS);
STORAGE_EMULATOR_HOST points the client at an emulator. Signed URLs are V4: credentials that hold a private
key sign locally; token-only credentials (Cloud Run's metadata server) sign through the IAM signBlob API,
which needs the service account to have `iam.serviceAccounts.signBlob` on itself.

With `signed_urls=False` (STORAGE_SIGNED_URLS=0) `url_for` returns None and the API streams the bytes itself
(HTTP ranges through `read`): for an emulator, whose anonymous client cannot sign and whose address browsers
cannot reach (compose.yaml), or where the service account may not sign.
"""

import contextlib
import mimetypes
from datetime import timedelta
from typing import BinaryIO

import google.auth.credentials
import google.auth.transport.requests
from google.api_core.exceptions import NotFound, RequestRangeNotSatisfiable
from google.cloud import storage

from .interface import Content, ObjectNotFound, check_range, rewind
from .keys import validate_key, validate_prefix


class GCSStorage:
    def __init__(
        self,
        bucket_name: str,
        *,
        client: storage.Client | None = None,
        signing_credentials: google.auth.credentials.Credentials | None = None,
        url_lifetime: timedelta = timedelta(hours=1),
        signed_urls: bool = True,
    ):
        self.client = client or storage.Client()
        self.bucket = self.client.bucket(bucket_name)
        self.signing_credentials = signing_credentials
        self.url_lifetime = url_lifetime
        self.signed_urls = signed_urls

    def _blob(self, key: str) -> storage.Blob:
        return self.bucket.blob(validate_key(key))

    def _existing_blob(self, key: str) -> storage.Blob:
        blob = self.bucket.get_blob(validate_key(key))
        if blob is None:
            raise ObjectNotFound(key)
        return blob

    def save(self, key: str, content: Content, content_type: str | None = None) -> str:
        blob = self._blob(key)
        content_type = content_type or mimetypes.guess_type(key)[0] or "application/octet-stream"
        if isinstance(content, bytes | bytearray | memoryview):
            blob.upload_from_string(bytes(content), content_type=content_type)
        else:
            rewind(content)
            blob.upload_from_file(content, content_type=content_type)
        return key

    def open(self, key: str) -> BinaryIO:
        return self._existing_blob(key).open("rb")

    def read(self, key: str, start: int = 0, end: int | None = None) -> bytes:
        check_range(start, end)
        blob = self._blob(key)
        if end == start:
            if not blob.exists():
                raise ObjectNotFound(key)
            return b""
        try:
            return blob.download_as_bytes(start=start, end=None if end is None else end - 1)
        except NotFound as exc:
            raise ObjectNotFound(key) from exc
        except RequestRangeNotSatisfiable:
            return b""  # the range starts past the end

    def exists(self, key: str) -> bool:
        return self._blob(key).exists()

    def delete(self, key: str) -> None:
        with contextlib.suppress(NotFound):
            self._blob(key).delete()

    def size(self, key: str) -> int:
        return self._existing_blob(key).size

    def list_keys(self, prefix: str = "") -> list[str]:
        blobs = self.client.list_blobs(self.bucket, prefix=validate_prefix(prefix) or None)
        return sorted(blob.name for blob in blobs)

    def url_for(self, key: str, expires: timedelta | None = None) -> str | None:
        blob = self._blob(key)
        if not self.signed_urls:
            return None
        credentials = self.signing_credentials or self.client._credentials  # the client's own (ADC)
        options = {}
        if not isinstance(credentials, google.auth.credentials.Signing):
            if not credentials.valid:
                credentials.refresh(google.auth.transport.requests.Request())
            options = {
                "service_account_email": credentials.service_account_email,
                "access_token": credentials.token,
            }
        return blob.generate_signed_url(
            version="v4",
            method="GET",
            expiration=expires or self.url_lifetime,
            credentials=credentials,
            **options,
        )

    def alias(self, key: str, alias_key: str) -> str:
        # GCS has no links: a server-side copy (the bytes never leave Google's side, nothing is re-uploaded).
        self.bucket.copy_blob(self._existing_blob(key), self.bucket, validate_key(alias_key))
        return alias_key

    def local_path(self, key: str) -> None:
        validate_key(key)
        return None
