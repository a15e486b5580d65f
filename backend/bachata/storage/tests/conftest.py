import os

import pytest
from gcp_storage_emulator.server import create_server

BUCKET = "bachata-media"


@pytest.fixture(scope="session")
def gcs_emulator():
    """gcp-storage-emulator in this process, with the bucket created; STORAGE_EMULATOR_HOST points at it."""
    server = create_server("127.0.0.1", 0, in_memory=True, default_bucket=BUCKET)
    server.start()
    previous = os.environ.get("STORAGE_EMULATOR_HOST")
    os.environ["STORAGE_EMULATOR_HOST"] = f"http://127.0.0.1:{server._api._httpd.server_address[1]}"
    yield server
    if previous is None:
        del os.environ["STORAGE_EMULATOR_HOST"]
    else:
        os.environ["STORAGE_EMULATOR_HOST"] = previous
    server.stop()


@pytest.fixture
def signing_credentials():
    """Service-account credentials with a throwaway RSA key: enough to sign V4 URLs, never sent anywhere."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from google.oauth2 import service_account

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return service_account.Credentials.from_service_account_info(
        {
            "type": "service_account",
            "client_email": "media-signer@test-project.iam.gserviceaccount.com",
            "private_key": pem,
            "token_uri": "https://oauth2.googleapis.com/token",
            "project_id": "test-project",
        }
    )


@pytest.fixture
def gcs_storage(gcs_emulator, signing_credentials):
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage

    from bachata.storage.gcs import GCSStorage

    gcs_emulator.wipe(keep_buckets=True)
    client = storage.Client(project="test-project", credentials=AnonymousCredentials())
    return GCSStorage(BUCKET, client=client, signing_credentials=signing_credentials)


@pytest.fixture
def local_storage(tmp_path):
    from bachata.storage.local import LocalStorage

    return LocalStorage(tmp_path / "media")


@pytest.fixture(params=["local", "gcs"])
def store(request):
    """Each backend in turn, for behaviour both must share."""
    return request.getfixturevalue(f"{request.param}_storage")
