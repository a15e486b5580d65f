"""compose.yaml without a Docker engine: parsed with PyYAML, its entrypoint scripts run with /bin/sh and
Python, and validated by `docker-compose config -q` (docker-compose 1.29, installed by .ci/run).

What a user would notice: `docker compose up --build` gives the product on :8080 with media in a bucket, every
service finds the services its settings name, nothing starts before what it needs is ready, and no secret key
is public."""

import os
import re
import shutil
import subprocess
import sys
from importlib.metadata import version
from urllib.parse import urlsplit

import pytest
import yaml
from django.conf import settings

from .test_deployment_files import API_DOCKERFILE, JOB_DOCKERFILE, PACKAGE_OF, REPO_ROOT, documented_settings

FRONTEND_DOCKERFILE = "frontend/Dockerfile"
LOCAL_LAUNCHER = "bachata.choreography.local_launcher.LocalJobLauncher"
SECRET_KEY_FILE = "/run/bachata/django_secret_key"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((REPO_ROOT / "compose.yaml").read_text())


def django_services(compose: dict) -> dict[str, dict]:
    """Services that run Django (the API or the job image with the app's settings)."""
    return {
        name: service
        for name, service in compose["services"].items()
        if service.get("build", {}).get("dockerfile") in PACKAGE_OF
        and "DATABASE_URL" in service.get("environment", {})
    }


def default_profile(compose: dict) -> dict[str, dict]:
    return {name: service for name, service in compose["services"].items() if not service.get("profiles")}


def one_shots(compose: dict) -> set[str]:
    return {
        dependency
        for service in compose["services"].values()
        for dependency, condition in (service.get("depends_on") or {}).items()
        if condition["condition"] == "service_completed_successfully"
    }


def interpolate_defaults(value: str) -> str:
    """compose's `${NAME:-default}` with NAME unset, and `$$` as a literal `$`."""
    value = re.sub(r"(?<!\$)\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)
    return value.replace("$$", "$")


def test_compose_has_the_services_and_no_keys_docker_compose_1_29_rejects(compose):
    services = compose["services"]
    assert {
        "db",
        "elasticsearch",
        "gcs",
        "secret-key",
        "migrate",
        "demo",
        "api",
        "reaper",
        "frontend",
    } <= set(default_profile(compose))
    assert services["job"]["profiles"] == ["job"]  # by hand, not started by `up`
    assert services["legacy-db"]["profiles"] == ["legacy-db"]
    assert "name" not in compose and "version" not in compose
    assert services["db"]["image"].startswith("postgres:15")
    assert services["gcs"]["image"].startswith("fsouza/fake-gcs-server:")
    for name, service in services.items():
        assert "build" in service or not service["image"].endswith(":latest"), name


def test_compose_builds_the_project_images_from_the_repository_root(compose):
    images: dict[str, str] = {}
    for name, service in compose["services"].items():
        if "build" not in service:
            continue
        build = service["build"]
        assert build["context"] == ".", name
        assert build["dockerfile"] in {*PACKAGE_OF, FRONTEND_DOCKERFILE}, name
        assert (REPO_ROOT / build["dockerfile"]).is_file(), name
        assert images.setdefault(service["image"], build["dockerfile"]) == build["dockerfile"], name


def test_compose_sets_only_documented_settings(compose):
    documented = documented_settings()
    for name, service in django_services(compose).items():
        unknown = set(service["environment"]) - documented
        assert not unknown, f"{name} sets variables that .env.example does not document: {sorted(unknown)}"


def test_every_service_the_settings_name_exists_with_the_right_environment(compose):
    services = compose["services"]
    db = services["db"]["environment"]
    for name, service in django_services(compose).items():
        environment = service["environment"]
        database = urlsplit(environment["DATABASE_URL"])
        assert (database.hostname, database.path.lstrip("/")) == ("db", db["POSTGRES_DB"]), name
        assert (database.username, database.password) == (db["POSTGRES_USER"], db["POSTGRES_PASSWORD"]), name
        assert environment["MOVE_INDEX"] == "elasticsearch", name
        assert urlsplit(environment["ELASTICSEARCH_URL"]).hostname == "elasticsearch", name
        # media in a bucket as in production, through the emulator, streamed by the API (no signed URLs)
        assert environment["STORAGE_BACKEND"] == "gcs" and environment["GCS_BUCKET"], name
        emulator = urlsplit(environment["STORAGE_EMULATOR_HOST"])
        assert emulator.hostname == "gcs", name
        assert f"-port {emulator.port}" in " ".join(services["gcs"]["command"]), name
        assert f"http://gcs:{emulator.port}" in services["gcs"]["command"], name  # URLs it hands out
        assert environment["STORAGE_SIGNED_URLS"] == "0", name
        assert "MEDIA_ROOT" not in environment, name
        # the SPA's origin may post the admin's forms through nginx
        assert "http://127.0.0.1:8080" in environment["CSRF_TRUSTED_ORIGINS"].split(","), name
        assert "api" in environment["DJANGO_ALLOWED_HOSTS"].split(","), name


def test_the_frontend_proxies_to_the_api_on_port_8080(compose):
    services = compose["services"]
    frontend = services["frontend"]
    assert frontend["ports"] == ["127.0.0.1:8080:8080"]
    origin = urlsplit(frontend["environment"]["API_ORIGIN"])
    api_bind = services["api"]["command"][services["api"]["command"].index("--bind") + 1]
    assert (origin.scheme, origin.hostname, str(origin.port)) == ("http", "api", api_bind.rpartition(":")[2])
    assert frontend["depends_on"] == {"api": {"condition": "service_healthy"}}
    assert "/healthz" in " ".join(frontend["healthcheck"]["test"])


def test_compose_elasticsearch_has_the_client_major_version(compose):
    server = compose["services"]["elasticsearch"]["image"].rpartition(":")[2]
    assert server.split(".")[0] == version("elasticsearch").split(".")[0]


def test_migrate_runs_from_the_api_image_and_the_reaper_every_minute(compose):
    services = compose["services"]
    assert services["migrate"]["build"]["dockerfile"] == API_DOCKERFILE
    assert services["migrate"]["command"][:3] == ["python", "backend/manage.py", "migrate"]
    reaper = services["reaper"]
    script = reaper["command"][-1]
    assert "python backend/manage.py ledger_reap" in script and "sleep 60" in script
    assert script.startswith("while true; do")
    assert reaper["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}


def test_compose_starts_local_jobs_only_where_the_job_is_installed(compose):
    """The local launcher runs `python -m videojob` beside the API process: the API image cannot (no videojob)."""
    wsgi_module = settings.WSGI_APPLICATION.rpartition(".")[0]
    launching = {
        name: service
        for name, service in django_services(compose).items()
        if service.get("command", [""])[0] == "gunicorn"
        or "ledger_reap" in " ".join(service.get("command", []))
    }
    assert set(launching) == {"api", "reaper"}  # the API launches; the reaper starts queued tasks
    for name, service in launching.items():
        assert service["environment"]["JOB_LAUNCHER"] == LOCAL_LAUNCHER, name
        assert service["build"]["dockerfile"] == JOB_DOCKERFILE, name
        assert service["init"] is True, name  # finished job subprocesses are reaped
    api = launching["api"]
    assert api["command"][:2] == ["gunicorn", f"{wsgi_module}:application"]
    assert "/api/health" in " ".join(api["healthcheck"]["test"])


def test_every_long_running_service_has_a_healthcheck_and_every_wait_a_condition(compose):
    services = compose["services"]
    shots = one_shots(compose)
    assert {"secret-key", "migrate", "demo"} <= shots
    for name, service in default_profile(compose).items():
        if name not in shots:
            assert "healthcheck" in service, f"{name} runs for good without a healthcheck"
        else:
            assert "ports" not in service and "healthcheck" not in service, f"{name} is not a one-shot"
    for name, service in services.items():
        depends_on = service.get("depends_on") or {}
        assert isinstance(depends_on, dict), f"{name}: depends_on without conditions"
        for dependency, condition in depends_on.items():
            assert dependency in services, f"{name} waits on an unknown service {dependency}"
            assert not services[dependency].get("profiles"), f"{name} waits on an optional service"
            if condition["condition"] == "service_healthy":
                assert "healthcheck" in services[dependency], f"{name} waits on {dependency}"
            else:
                assert condition["condition"] == "service_completed_successfully", name


def _needs(compose: dict, name: str) -> set[str]:
    seen, todo = set(), [name]
    while todo:
        for dependency in compose["services"][todo.pop()].get("depends_on") or {}:
            if dependency not in seen:
                seen.add(dependency)
                todo.append(dependency)
    return seen


def test_django_services_start_after_what_their_settings_name(compose):
    for name in django_services(compose):
        needs = _needs(compose, name)
        assert {"db", "secret-key"} <= needs, name
        if name in {"demo", "api", "job"}:
            assert "gcs" in needs, name
        if name in {"demo", "api"}:
            assert "elasticsearch" in needs, name
    assert "demo" in _needs(compose, "frontend")  # the product is ready when the SPA is


def test_no_secret_key_is_written_in_the_file(compose):
    for name, service in django_services(compose).items():
        environment = service["environment"]
        assert environment["DJANGO_SECRET_KEY"] == "${DJANGO_SECRET_KEY:-}", name  # the shell's, or none
        assert environment["DJANGO_REQUIRE_SECRET_KEY"] == "1", name
        assert environment["DJANGO_DEBUG"] == "0", name
        assert f"secret-key:{SECRET_KEY_FILE.rpartition('/')[0]}:ro" in service["volumes"], name
        assert SECRET_KEY_FILE in " ".join(service["entrypoint"]), name
    generator = compose["services"]["secret-key"]
    assert f"secret-key:{SECRET_KEY_FILE.rpartition('/')[0]}" in generator["volumes"]


def _generate_key(compose: dict, key_file) -> None:
    generator = compose["services"]["secret-key"]
    code = interpolate_defaults(generator["command"][0]).replace(SECRET_KEY_FILE, str(key_file))
    if os.geteuid() != 0:  # the container runs as root and gives the file to the app user
        code = code.replace("os.chown(key, 10001, 10001);", "")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr


def test_the_secret_key_is_generated_once_and_kept(compose, tmp_path):
    key_file = tmp_path / "django_secret_key"
    _generate_key(compose, key_file)
    first = key_file.read_text()
    assert len(first) >= 50
    assert oct(key_file.stat().st_mode & 0o777) == "0o400"
    _generate_key(compose, key_file)
    assert key_file.read_text() == first


@pytest.mark.parametrize("from_shell", ["", "a-key-from-the-shell"])
def test_the_entrypoint_gives_django_the_generated_key_unless_the_shell_sets_one(
    compose, tmp_path, from_shell
):
    key_file = tmp_path / "django_secret_key"
    _generate_key(compose, key_file)
    entrypoint = [interpolate_defaults(part) for part in compose["services"]["api"]["entrypoint"]]
    entrypoint = [part.replace(SECRET_KEY_FILE, str(key_file)) for part in entrypoint]
    command = [sys.executable, "-c", "import os; print(os.environ['DJANGO_SECRET_KEY'])"]
    result = subprocess.run(
        entrypoint + command,
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "DJANGO_SECRET_KEY": from_shell},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (from_shell or key_file.read_text())


def test_the_media_lives_in_the_emulators_volume(compose):
    gcs = compose["services"]["gcs"]
    (volume,) = gcs["volumes"]
    name, _, path = volume.partition(":")
    assert name in compose["volumes"]
    assert f"-filesystem-root {path}" in " ".join(gcs["command"])
    # the demo song goes into the bucket's song library, where the API lists songs
    demo = " ".join(compose["services"]["demo"]["command"])
    assert "create_bucket" in demo and "'songs/demo_bachata_128bpm.wav'" in demo


def test_the_legacy_profile_builds_with_migrations_legacy_into_the_database_migrate_adopts(compose):
    services = compose["services"]
    legacy = services["legacy-db"]
    assert legacy["entrypoint"] == ["python", "-m", "migrations_legacy"]
    assert "./migrations_legacy:/app/migrations_legacy:ro" in legacy["volumes"]
    url = legacy["command"][legacy["command"].index("--database-url") + 1]
    assert url == services["migrate"]["environment"]["DATABASE_URL"]
    assert (REPO_ROOT / "migrations_legacy" / "__main__.py").is_file()


def test_docker_compose_accepts_the_file():
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.skip(
            "docker-compose is not installed (apt-get install docker-compose) to validate compose.yaml"
        )
    result = subprocess.run(
        [
            binary,
            "-f",
            str(REPO_ROOT / "compose.yaml"),
            "--profile",
            "job",
            "--profile",
            "legacy-db",
            "config",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO_ROOT,
        env={key: value for key, value in os.environ.items() if key != "DJANGO_SECRET_KEY"},
    )
    assert result.returncode == 0, result.stderr
    resolved = yaml.safe_load(result.stdout)["services"]
    # interpolation as docker-compose does it: no key from nowhere, `$$` reaching the shell as `$`
    assert resolved["api"]["environment"]["DJANGO_SECRET_KEY"] == ""
    assert "$(cat /run/bachata/django_secret_key)" in resolved["api"]["entrypoint"][2]


def test_the_demo_one_shot_creates_the_bucket_and_puts_the_demo_song_where_the_api_lists_songs(
    compose, tmp_path
):
    """The demo service's own storage steps, run with its environment against a GCS emulator (the in-process
    gcp-storage-emulator standing in for fake-gcs-server): the bucket is created once, the song uploaded once."""
    from gcp_storage_emulator.server import create_server

    from bachata.songs.selectors import SONGS_PREFIX

    demo = compose["services"]["demo"]
    steps = [interpolate_defaults(step) for step in demo["command"][-1].split(" && ")]
    storage_steps = [
        step for step in steps if step.startswith("python -c") and ("bucket" in step or "save(" in step)
    ]
    assert len(storage_steps) == 2
    songs = tmp_path / "demo-songs"
    songs.mkdir()
    (songs / "demo_bachata_128bpm.wav").write_bytes(b"RIFF demo song")

    server = create_server("127.0.0.1", 0, in_memory=True)
    server.start()
    try:
        emulator = f"http://127.0.0.1:{server._api._httpd.server_address[1]}"
        environment = {**os.environ, **demo["environment"], "STORAGE_EMULATOR_HOST": emulator}
        environment = {key: interpolate_defaults(str(value)) for key, value in environment.items()}
        environment["DJANGO_SECRET_KEY"] = "what-the-entrypoint-reads-from-the-volume"
        for _ in range(2):  # idempotent: a second `up` changes nothing
            for step in storage_steps:
                script = step.replace("/tmp/demo-songs", str(songs)).replace(
                    "python -c", f"{sys.executable} -c", 1
                )
                result = subprocess.run(
                    ["/bin/sh", "-c", script],
                    env=environment,
                    capture_output=True,
                    text=True,
                    timeout=60,
                    cwd=REPO_ROOT,
                )
                assert result.returncode == 0, result.stderr
        from google.auth.credentials import AnonymousCredentials
        from google.cloud import storage

        client = storage.Client(
            project="p", credentials=AnonymousCredentials(), client_options={"api_endpoint": emulator}
        )
        bucket = client.bucket(demo["environment"]["GCS_BUCKET"])
        names = [blob.name for blob in client.list_blobs(bucket)]
        assert names == [f"{SONGS_PREFIX}demo_bachata_128bpm.wav"]
        assert bucket.get_blob(names[0]).download_as_bytes() == b"RIFF demo song"
    finally:
        server.stop()
